"""Views of the notifications area (filled by the notifications work)."""
