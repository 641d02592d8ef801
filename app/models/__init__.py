"""Sieve's persistence models, one module per aggregate; imported here so metadata is complete."""

from app.models.accounts import ApiToken, User
from app.models.attachments import Attachment
from app.models.audit import AuditEvent
from app.models.design import DesignRound, FeedbackItem, Notification
from app.models.elimination import EliminationCandidate, EliminationRun
from app.models.jobs import Job
from app.models.metrics import CustomerMetric, MetricImport
from app.models.products import Product
from app.models.qc import CorrectiveAction, Inspection, InspectionDefect, SamplePurchase
from app.models.reviews import Review, ReviewScore, Scorecard, ScorecardCriterion
from app.models.suppliers import Category, Certificate, Supplier

__all__ = ["ApiToken", "Attachment", "AuditEvent", "DesignRound", "FeedbackItem", "Notification", "Category", "Certificate", "CorrectiveAction",
           "CustomerMetric", "EliminationCandidate", "EliminationRun", "MetricImport",
           "Inspection", "InspectionDefect", "Job", "Product", "SamplePurchase", "Review",
           "ReviewScore", "Scorecard", "ScorecardCriterion", "Supplier", "User"]
