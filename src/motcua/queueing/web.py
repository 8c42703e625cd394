"""Small helpers the floor's views share for reading requests."""

from __future__ import annotations


def posted_id(value: object) -> int:
    """A posted row id; 0 (which matches no row) when it is missing or not a number, so a
    tampered form gets the same refusal as a stale one."""
    try:
        return int(str(value))
    except ValueError:
        return 0
