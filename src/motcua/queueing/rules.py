"""Rules of the counter floor (inferred where marked; change them here or, for a whole
installation, through ``settings.MOTCUA_QUEUE``)."""

import datetime as dt

from django.conf import settings

_overrides: dict = getattr(settings, "MOTCUA_QUEUE", {})


# After this many priority tickets in a row at a counter, a waiting normal ticket goes next,
# so normal tickets still move when many priority tickets wait (inferred).
PRIORITY_RUN: int = _overrides.get("PRIORITY_RUN", 2)

# The first number of a center's day (tickets read 1001, 1002, … so a number is always four
# digits on the board; inferred from provincial practice).
FIRST_TICKET_NUMBER: int = _overrides.get("FIRST_TICKET_NUMBER", 1001)

# Online booking: a slot today or in the next six days, at most two bookings per person per day
# (TTPVHCC Hà Nội from 01/10/2025).
BOOKING_DAYS_AHEAD: int = _overrides.get("BOOKING_DAYS_AHEAD", 6)
BOOKINGS_PER_PERSON_PER_DAY: int = _overrides.get("BOOKINGS_PER_PERSON_PER_DAY", 2)

# Check-in at the kiosk is open from this long before the slot until this long after its start;
# a booking not checked in by then is released as a no-show (inferred).
CHECK_IN_EARLY = dt.timedelta(minutes=_overrides.get("CHECK_IN_EARLY_MINUTES", 30))
NO_SHOW_GRACE = dt.timedelta(minutes=_overrides.get("NO_SHOW_GRACE_MINUTES", 15))

# The rating tablet asks about a finished service for this long (inferred).
RATING_WINDOW = dt.timedelta(minutes=_overrides.get("RATING_WINDOW_MINUTES", 10))

# A device's "last seen" is written at most this often (each write is a row update).
DEVICE_SEEN_EVERY = dt.timedelta(seconds=60)
