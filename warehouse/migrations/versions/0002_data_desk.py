"""The data desk: the rows a load replaced (replaced_<table>, so a batch can be undone exactly),
undone batches, 零报告, and the county's confirmed header mappings.

Revision ID: 0002_data_desk
Revises: 0001_baseline
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_data_desk"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

TABLES = ('header_mappings', 'replaced_case_people', 'replaced_cases', 'replaced_clues', 'replaced_platform_usage', 'replaced_rectification_items', 'replaced_satisfaction_surveys', 'replaced_townships', 'replaced_villages', 'zero_reports', 'batch_undos')


def upgrade() -> None:
    op.create_table('header_mappings',
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('ledger_kind', sa.String(length=32), nullable=False, comment='LedgerKind.name'),
    sa.Column('source_header', sa.String(length=128), nullable=False, comment="the file's header, normalised (header_key)"),
    sa.Column('standard_header', sa.String(length=64), nullable=False, comment="the contract's header (Field.header)"),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('county_code', 'ledger_kind', 'source_header'),
    comment="a header the county's clerk confirmed (--map, the desk's form): next month's file loads without asking"
    )
    op.create_table('replaced_case_people',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('person_name', sa.String(length=64), nullable=True),
    sa.Column('person_role', sa.String(length=16), nullable=True),
    sa.Column('discipline_form', sa.String(length=16), nullable=True),
    sa.Column('sanction_type', sa.String(length=32), nullable=True),
    sa.Column('is_transferred_to_judiciary', sa.Boolean(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of case_people as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_case_people_batch', 'replaced_case_people', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_cases',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('clue_id', sa.String(length=64), nullable=True),
    sa.Column('filed_date', sa.Date(), nullable=True),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_domain', sa.String(length=32), nullable=True),
    sa.Column('discovery_method', sa.String(length=16), nullable=True),
    sa.Column('violation_type', sa.String(length=16), nullable=True),
    sa.Column('people_count', sa.Integer(), nullable=True),
    sa.Column('recovered_funds_wan_yuan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('is_typical', sa.Boolean(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of cases as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_cases_batch', 'replaced_cases', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_clues',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('clue_id', sa.String(length=64), nullable=True),
    sa.Column('received_date', sa.Date(), nullable=True),
    sa.Column('clue_source', sa.String(length=32), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_domain', sa.String(length=32), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('reported_person_name', sa.String(length=64), nullable=True),
    sa.Column('reported_person_role', sa.String(length=16), nullable=True),
    sa.Column('amount_wan_yuan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('management_level', sa.String(length=2), nullable=True),
    sa.Column('is_supervised', sa.Boolean(), nullable=True),
    sa.Column('disposal_method', sa.String(length=16), nullable=True),
    sa.Column('handling_status', sa.String(length=8), nullable=True),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of clues as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_clues_batch', 'replaced_clues', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_platform_usage',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('usage_month_date', sa.Date(), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('visits', sa.Integer(), nullable=True),
    sa.Column('problems_reported', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of platform_usage as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_platform_usage_batch', 'replaced_platform_usage', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_rectification_items',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('issue_source', sa.String(length=16), nullable=True),
    sa.Column('feedback_date', sa.Date(), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_category', sa.String(length=32), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('responsible_person', sa.String(length=64), nullable=True),
    sa.Column('deadline_date', sa.Date(), nullable=True),
    sa.Column('rectification_status', sa.String(length=8), nullable=True),
    sa.Column('completed_date', sa.Date(), nullable=True),
    sa.Column('closed_off_date', sa.Date(), nullable=True),
    sa.Column('is_recurring', sa.Boolean(), nullable=True),
    sa.Column('related_clue_id', sa.String(length=64), nullable=True),
    sa.Column('related_case_id', sa.String(length=64), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of rectification_items as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_rectification_items_batch', 'replaced_rectification_items', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_satisfaction_surveys',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('survey_year', sa.Integer(), nullable=True),
    sa.Column('survey_quarter', sa.Integer(), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('survey_method', sa.String(length=8), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=True),
    sa.Column('satisfied', sa.Integer(), nullable=True),
    sa.Column('basically_satisfied', sa.Integer(), nullable=True),
    sa.Column('dissatisfied', sa.Integer(), nullable=True),
    sa.Column('unaware', sa.Integer(), nullable=True),
    sa.Column('aware_of_platform', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of satisfaction_surveys as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_satisfaction_surveys_batch', 'replaced_satisfaction_surveys', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_townships',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('township_name', sa.String(length=64), nullable=True),
    sa.Column('township_kind', sa.String(length=8), nullable=True),
    sa.Column('county_code', sa.String(length=6), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of townships as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_townships_batch', 'replaced_townships', ['replaced_by_batch_id'], unique=False)
    op.create_table('replaced_villages',
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False, comment='the load that replaced the row'),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('village_name', sa.String(length=64), nullable=True),
    sa.Column('village_kind', sa.String(length=8), nullable=True),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('registered_population', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    comment='rows of villages as they were before a load replaced them (撤销本批次 restores them)'
    )
    op.create_index('ix_replaced_villages_batch', 'replaced_villages', ['replaced_by_batch_id'], unique=False)
    op.create_table('zero_reports',
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('ledger_kind', sa.String(length=32), nullable=False),
    sa.Column('period_code', sa.String(length=7), nullable=False, comment='2024-07 for a month, 2024Q3 for the survey'),
    sa.Column('declared_at', sa.DateTime(), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('township_code', 'ledger_kind', 'period_code'),
    comment='零报告: the township declares 本月无新增 for that ledger and period'
    )
    op.create_table('batch_undos',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('undone_at', sa.DateTime(), nullable=False),
    sa.Column('undone_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.batch_id'], ),
    sa.PrimaryKeyConstraint('batch_id'),
    comment='a load undone (撤销本批次): its rows are gone, the rows it replaced are back'
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
