"""Notification endpoints of the JSON API (filled by the notifications work)."""

NOTIFICATION_PATHS: dict = {}
