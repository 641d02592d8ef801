"""Sieve's persistence models, one module per aggregate; imported here so metadata is complete."""

from app.models.accounts import ApiToken, User
from app.models.audit import AuditEvent
from app.models.products import Product
from app.models.suppliers import Category, Certificate, Supplier

__all__ = ["ApiToken", "AuditEvent", "Category", "Certificate", "Product", "Supplier", "User"]
