"""Domain errors the adapters map to HTTP statuses, flash messages and CLI exit codes."""

from __future__ import annotations

from workflows import lifecycle


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: object | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class StaleVersion(Conflict):
    """Someone else changed the record since the caller read it (optimistic locking)."""


class StateConflict(Conflict):
    """The record's state does not allow this change (as opposed to a concurrent edit)."""

    code = "invalid_state"


class ValidationFailed(ServiceError):
    """Bad input; ``details`` maps each offending field to what is wrong with it."""

    status = 422
    code = "validation_failed"


def raise_if_errors(errors: dict) -> None:
    """Raise ValidationFailed naming every field of ``errors`` (nothing when it is empty)."""
    if errors:
        raise ValidationFailed("; ".join(f"{k}: {v}" for k, v in errors.items()), errors)


_LIFECYCLE_STATUS = {
    lifecycle.RoleNotAllowed: 403,
    lifecycle.InvalidSourceState: 409,
    lifecycle.ReasonRequired: 422,
    lifecycle.GuardBlocked: 422,
    lifecycle.UnknownTransition: 422,
}


def http_status(error: Exception) -> int:
    if isinstance(error, ServiceError):
        return error.status
    for cls, status in _LIFECYCLE_STATUS.items():
        if isinstance(error, cls):
            return status
    return 500


def error_body(error: Exception) -> dict:
    if isinstance(error, ServiceError):
        return {"code": error.code, "message": error.message, "details": error.details}
    if isinstance(error, lifecycle.GuardBlocked):
        return {"code": error.code, "message": str(error), "details": {"reasons": error.reasons}}
    if isinstance(error, lifecycle.LifecycleError):
        return {"code": error.code, "message": str(error), "details": None}
    return {"code": "internal_error", "message": "internal error", "details": None}
