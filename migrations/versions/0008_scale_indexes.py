"""indexes for every filter and sort the pages offer at scale (issue 7)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 16:40:00.000000

"""
import sqlalchemy as sa  # noqa: F401 - the house template imports it in every revision
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

#: (index, table, columns): the board and list of one supplier, the portal's order, category
#: filters, the QC overview and lists, the corrective-action lists, unread notifications,
#: the candidate pages and the figures list.
INDEXES = (
    ('ix_products_supplier_state_changed', 'products', ['supplier_id', 'state', 'state_changed_at']),
    ('ix_products_supplier_updated', 'products', ['supplier_id', 'updated_at']),
    ('ix_products_category_state', 'products', ['category_id', 'state']),
    ('ix_sample_purchases_reimbursement_purchased', 'sample_purchases',
     ['reimbursement_status', 'purchased_on']),
    ('ix_inspections_started', 'inspections', ['started_at', 'id']),
    ('ix_corrective_actions_status_due', 'corrective_actions', ['status', 'due_on']),
    ('ix_corrective_actions_supplier_status_due', 'corrective_actions',
     ['supplier_id', 'status', 'due_on']),
    ('ix_notifications_user_read', 'notifications', ['user_id', 'read_at']),
    ('ix_notifications_user_newest', 'notifications', ['user_id', 'id']),
    ('ix_elimination_candidates_listing', 'elimination_candidates',
     ['status', 'run_id', 'category_id', 'score', 'product_id']),
    ('ix_elimination_candidates_run_listing', 'elimination_candidates',
     ['run_id', 'category_id', 'score', 'product_id']),
    ('ix_customer_metrics_period_start', 'customer_metrics', ['period_start', 'product_id']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
