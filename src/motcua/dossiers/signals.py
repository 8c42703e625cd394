"""Signals other apps listen to. They are sent inside the transaction that made the change, so
a receiver's writes commit or roll back with it."""

from django.dispatch import Signal

# Sent by ``services.transition`` after a dossier changed status: kwargs ``dossier``,
# ``action`` (status.Action), ``event`` (the DossierEvent), ``actor``.
dossier_transitioned = Signal()
