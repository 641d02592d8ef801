"""trigram indexes for the product search (PostgreSQL only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 00:40:00.000000

"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

#: (index, table, column): every column the search box matches (app.services.search). The
#: names end in _trgm: the schema comparison leaves these out (they are not in the models).
INDEXES = (
    ('ix_products_name_en_trgm', 'products', 'name_en'),
    ('ix_products_name_zh_trgm', 'products', 'name_zh'),
    ('ix_products_sku_code_trgm', 'products', 'sku_code'),
    ('ix_suppliers_name_trgm', 'suppliers', 'name'),
    ('ix_suppliers_name_en_trgm', 'suppliers', 'name_en'),
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return  # SQLite has no trigram index: its search scans the products once
    savepoint = bind.begin_nested()
    try:
        # A trusted extension since PostgreSQL 13: the database's owner may create it.
        bind.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    except sa.exc.DBAPIError as error:
        savepoint.rollback()
        log.warning('pg_trgm could not be created (%s): the product search will scan the '
                    'products; create the extension as a superuser and run this migration '
                    'again (flask --app app db downgrade 0008 && flask --app app db upgrade)',
                    error.orig)
        return
    savepoint.commit()
    # The extension may already live in a schema outside the search path (some hosts keep
    # extensions in their own): name its operator class with that schema.
    schema = bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'").scalar_one()
    opclass = bind.dialect.identifier_preparer.quote(schema) + '.gin_trgm_ops'
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], postgresql_using='gin',
                        postgresql_ops={column: opclass})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, _table, _column in INDEXES:
        op.execute(f'DROP INDEX IF EXISTS {name}')  # the extension stays: others may use it
