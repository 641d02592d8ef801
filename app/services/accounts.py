"""Users, passwords (Argon2id), sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from app.db import write_transaction
from app.extensions import db
from app.models import ApiToken, Supplier, User
from app.models.base import as_utc
from app.services.audit import record_event
from app.services.errors import NotFound, ValidationFailed, raise_if_errors
from workflows.lifecycle import Role

_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only
_DEFAULT = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
MIN_PASSWORD_LENGTH = 10


def _hasher() -> PasswordHasher:
    return _FAST if current_app.config.get("SIEVE_PASSWORD_PROFILE") == "fast" else _DEFAULT


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _dummy_hash() -> str:
    # Verified against when the email is unknown, so both paths cost the same.
    cache = current_app.extensions.setdefault("sieve_dummy_hash", {})
    profile = current_app.config.get("SIEVE_PASSWORD_PROFILE")
    if profile not in cache:
        cache[profile] = hash_password(secrets.token_hex(16))
    return cache[profile]


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session_token>"``; a rotated token invalidates old cookies."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_session(user: User) -> None:
    """Logout: rotate the session token so every cookie issued before stops working."""
    with write_transaction() as session:
        fresh = session.get(User, user.id)
        fresh.session_token = secrets.token_hex(16)
        record_event(session, fresh, "user", fresh.id, "logout")


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
            {"password": f"at least {MIN_PASSWORD_LENGTH} characters"},
        )


def create_user(
    actor: User | None,
    email: str,
    role: str,
    password: str,
    supplier_name: str | None = None,
    locale: str | None = None,
) -> User:
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "not an email address"
    if role not in {r.value for r in Role}:
        errors["role"] = f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}"
    if role == Role.SUPPLIER and not supplier_name:
        errors["supplier"] = "a supplier user must belong to a supplier"
    if role != Role.SUPPLIER and supplier_name:
        errors["supplier"] = "only supplier users belong to a supplier"
    raise_if_errors(errors)
    validate_password(password)
    password_hash = hash_password(password)
    with write_transaction() as session:
        if session.scalar(select(User.id).where(func.lower(User.email) == email)):
            raise ValidationFailed(f"email: {email} is already registered", {"email": "taken"})
        supplier = None
        if supplier_name:
            supplier = session.scalar(select(Supplier).where(Supplier.name == supplier_name))
            if supplier is None:
                raise NotFound(f"supplier: no supplier named {supplier_name!r}")
        user = User(
            email=email,
            role=role,
            password_hash=password_hash,
            supplier_id=supplier.id if supplier else None,
            locale=locale,
            session_token=secrets.token_hex(16),
        )
        session.add(user)
        session.flush()
        record_event(
            session,
            actor,
            "user",
            user.id,
            "create",
            changes={"email": {"before": None, "after": email},
                     "role": {"before": None, "after": role},
                     "supplier_id": {"before": None, "after": user.supplier_id}},
        )
    return user


def set_locale(user: User, locale: str) -> None:
    with write_transaction() as session:
        fresh = session.get(User, user.id)
        if fresh.locale != locale:
            record_event(session, fresh, "user", fresh.id, "update",
                         changes={"locale": {"before": fresh.locale, "after": locale}})
            fresh.locale = locale


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=current_app.config["SIEVE_API_TOKEN_HOURS"])
    with write_transaction() as session:
        session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires))
        record_event(session, user, "user", user.id, "issue_api_token")
    return token, expires


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or as_utc(row.expires_at) <= datetime.now(UTC) or not row.user.is_active:
        return None
    return row.user
