"""Baseline: the warehouse as the [access] release made it with create_all (facts, divisions, loads,
rejects, audit, bulletin archive, users, sessions, sign-in attempts).

A warehouse made by that release has these tables and no alembic_version: ``warehouse.migrate``
stamps it at this revision and upgrades it from here.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("audit_events", "boundaries", "bulletin_archive", "case_people", "cases", "clues", "counties",
          "load_batches", "platform_usage", "rectification_items", "satisfaction_surveys", "sign_in_attempts",
          "townships", "users", "rejected_rows", "user_sessions", "villages")


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('event_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_time', sa.DateTime(), nullable=False),
    sa.Column('user_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False, comment='login/export/load/bulletin'),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_table('boundaries',
    sa.Column('division_code', sa.String(length=12), nullable=False, comment='乡镇 9 位或村 12 位代码'),
    sa.Column('division_level', sa.String(length=8), nullable=False, comment='township/village'),
    sa.Column('division_name', sa.String(length=64), nullable=False),
    sa.Column('geometry_geojson', sa.Text(), nullable=False, comment='EPSG:4326 GeoJSON geometry'),
    sa.Column('source_file', sa.String(length=255), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('division_code')
    )
    op.create_table('bulletin_archive',
    sa.Column('bulletin_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('generated_at', sa.DateTime(), nullable=False),
    sa.Column('generated_by', sa.String(length=64), nullable=False),
    sa.Column('quarter_label', sa.String(length=8), nullable=False, comment='2024Q3'),
    sa.Column('township_code', sa.String(length=9), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_bytes', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('bulletin_id')
    )
    op.create_table('case_people',
    sa.Column('case_id', sa.String(length=64), nullable=False),
    sa.Column('person_name', sa.String(length=64), nullable=False, comment='sensitive'),
    sa.Column('person_role', sa.String(length=16), nullable=False),
    sa.Column('discipline_form', sa.String(length=16), nullable=False, comment='第一种形态…第四种形态'),
    sa.Column('sanction_type', sa.String(length=32), nullable=False),
    sa.Column('is_transferred_to_judiciary', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('case_id', 'person_name')
    )
    op.create_table('cases',
    sa.Column('case_id', sa.String(length=64), nullable=False, comment='案件编号'),
    sa.Column('clue_id', sa.String(length=64), nullable=True),
    sa.Column('filed_date', sa.Date(), nullable=False, comment='立案日期'),
    sa.Column('closed_date', sa.Date(), nullable=True, comment='结案日期'),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_domain', sa.String(length=32), nullable=False),
    sa.Column('discovery_method', sa.String(length=16), nullable=False),
    sa.Column('violation_type', sa.String(length=16), nullable=False),
    sa.Column('people_count', sa.Integer(), nullable=False, comment='处理人数 as declared on the ledger'),
    sa.Column('recovered_funds_wan_yuan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('is_typical', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_index('ix_cases_filed', 'cases', ['filed_date'], unique=False)
    op.create_index('ix_cases_township_filed', 'cases', ['township_code', 'filed_date'], unique=False)
    op.create_index('ix_cases_village', 'cases', ['village_code'], unique=False)
    op.create_table('clues',
    sa.Column('clue_id', sa.String(length=64), nullable=False, comment='线索编号'),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('clue_source', sa.String(length=32), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_domain', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('reported_person_name', sa.String(length=64), nullable=True, comment='sensitive: masked unless the role sees names'),
    sa.Column('reported_person_role', sa.String(length=16), nullable=True),
    sa.Column('amount_wan_yuan', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('management_level', sa.String(length=2), nullable=False, comment='红/黄/蓝'),
    sa.Column('is_supervised', sa.Boolean(), nullable=False, comment='挂牌督办'),
    sa.Column('disposal_method', sa.String(length=16), nullable=True),
    sa.Column('handling_status', sa.String(length=8), nullable=False, comment='在办/办结'),
    sa.Column('closed_date', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('clue_id')
    )
    op.create_index('ix_clues_received', 'clues', ['received_date'], unique=False)
    op.create_index('ix_clues_township_received', 'clues', ['township_code', 'received_date'], unique=False)
    op.create_index('ix_clues_village', 'clues', ['village_code'], unique=False)
    op.create_table('counties',
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('county_name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('county_code')
    )
    op.create_table('load_batches',
    sa.Column('batch_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('ledger_kind', sa.String(length=32), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_loaded', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('rows_structural', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('batch_id')
    )
    op.create_index('ix_load_batches_sha', 'load_batches', ['file_sha256'], unique=False)
    op.create_table('platform_usage',
    sa.Column('usage_month_date', sa.Date(), nullable=False, comment='first day of the month'),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('problems_reported', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('usage_month_date', 'township_code')
    )
    op.create_table('rectification_items',
    sa.Column('item_id', sa.String(length=64), nullable=False, comment='整改编号'),
    sa.Column('issue_source', sa.String(length=16), nullable=False),
    sa.Column('feedback_date', sa.Date(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('village_code', sa.String(length=12), nullable=True),
    sa.Column('problem_category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('responsible_person', sa.String(length=64), nullable=True, comment='sensitive'),
    sa.Column('deadline_date', sa.Date(), nullable=False, comment='整改时限'),
    sa.Column('rectification_status', sa.String(length=8), nullable=False, comment='未启动/整改中/已完成/已销号'),
    sa.Column('completed_date', sa.Date(), nullable=True),
    sa.Column('closed_off_date', sa.Date(), nullable=True, comment='销号日期'),
    sa.Column('is_recurring', sa.Boolean(), nullable=False),
    sa.Column('related_clue_id', sa.String(length=64), nullable=True),
    sa.Column('related_case_id', sa.String(length=64), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('item_id')
    )
    op.create_index('ix_rect_deadline', 'rectification_items', ['deadline_date'], unique=False)
    op.create_index('ix_rect_township_feedback', 'rectification_items', ['township_code', 'feedback_date'], unique=False)
    op.create_table('satisfaction_surveys',
    sa.Column('survey_year', sa.Integer(), nullable=False),
    sa.Column('survey_quarter', sa.Integer(), nullable=False),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('survey_method', sa.String(length=8), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically_satisfied', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('unaware', sa.Integer(), nullable=False, comment='不了解'),
    sa.Column('aware_of_platform', sa.Integer(), nullable=False, comment='知晓监督平台'),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('survey_year', 'survey_quarter', 'township_code')
    )
    op.create_table('sign_in_attempts',
    sa.Column('attempt_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False, comment='as typed (lower-cased), known or not'),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('attempt_id')
    )
    op.create_index('ix_sign_in_attempts_client', 'sign_in_attempts', ['client', 'attempted_at'], unique=False)
    op.create_index('ix_sign_in_attempts_username', 'sign_in_attempts', ['username', 'attempted_at'], unique=False)
    op.create_table('townships',
    sa.Column('township_code', sa.String(length=9), nullable=False, comment='9 位乡镇代码'),
    sa.Column('township_name', sa.String(length=64), nullable=False),
    sa.Column('township_kind', sa.String(length=8), nullable=False, comment="街道/镇/乡, from the code's digits"),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('township_code')
    )
    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False, comment='县领导/纪委/乡镇/管理员'),
    sa.Column('township_code', sa.String(length=9), nullable=True, comment='乡镇 users only: their township'),
    sa.Column('password_hash', sa.String(length=255), nullable=False, comment='Argon2id'),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('rejected_rows',
    sa.Column('rejected_row_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sheet_name', sa.String(length=64), nullable=True),
    sa.Column('source_row_number', sa.Integer(), nullable=False, comment='1-based row in the source sheet'),
    sa.Column('column_name', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False, comment='原因（中文）'),
    sa.Column('row_values_json', sa.Text(), nullable=False, comment='the row without whistleblower columns'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batches.batch_id'], ),
    sa.PrimaryKeyConstraint('rejected_row_id')
    )
    op.create_table('user_sessions',
    sa.Column('token_sha256', sa.String(length=64), nullable=False, comment="the cookie's token is never stored, its hash is"),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True, comment='sign-out, disabled account, or expiry'),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['username'], ['users.username'], ),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    op.create_index('ix_user_sessions_username', 'user_sessions', ['username'], unique=False)
    op.create_table('villages',
    sa.Column('village_code', sa.String(length=12), nullable=False, comment='12 位村代码'),
    sa.Column('village_name', sa.String(length=64), nullable=False),
    sa.Column('village_kind', sa.String(length=8), nullable=False, comment='行政村/社区'),
    sa.Column('township_code', sa.String(length=9), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('registered_population', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['township_code'], ['townships.township_code'], ),
    sa.PrimaryKeyConstraint('village_code')
    )
    op.create_index('ix_villages_township', 'villages', ['township_code'], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
