"""Attachment endpoints of the JSON API (filled by the attachments work)."""

ATTACHMENT_PATHS: dict = {}
