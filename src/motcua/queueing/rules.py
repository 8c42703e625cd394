"""Rules of the counter floor (inferred where marked; change them here)."""

# After this many priority tickets in a row at a counter, a waiting normal ticket goes next,
# so normal tickets still move when many priority tickets wait (inferred).
PRIORITY_RUN = 2

# The first number of a center's day (tickets read 1001, 1002, … so a number is always four
# digits on the board; inferred from provincial practice).
FIRST_TICKET_NUMBER = 1001
