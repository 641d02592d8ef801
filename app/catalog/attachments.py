"""Attachment upload, download and removal pages (filled by the attachments work)."""
