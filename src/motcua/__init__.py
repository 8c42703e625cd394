"""motcua: the back office of Vietnam's one-stop public administration service."""

__version__ = "0.1.0"
