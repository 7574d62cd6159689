"""Meetings: a lottery that staff cannot steer (the commitment published with the meeting, the
public value, the frozen input list and its hash, public extensions of the sign-up window,
applications excluded as not eligible) and the 主任办公会议 meeting type.

Revision ID: meet01
Revises: privacy01
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "meet01"
down_revision = "privacy01"
branch_labels = None
depends_on = None

TYPES_OLD = "meeting_type IN ('executive', 'special', 'bureau', 'town', 'other')"
TYPES_NEW = "meeting_type IN ('executive', 'special', 'bureau', 'director', 'town', 'other')"
STATUS_OLD = "status IN ('pending', 'selected', 'alternate', 'not_selected', 'withdrawn')"
STATUS_NEW = "status IN ('pending', 'selected', 'alternate', 'not_selected', 'withdrawn', 'ineligible')"


def upgrade():
    op.create_table(
        "meeting_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("old_closes_at", sa.DateTime(), nullable=False),
        sa.Column("new_closes_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("old_closes_at < new_closes_at", name=op.f("ck_meeting_extension_only_later")),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_meeting_extension_reason_given")),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_extension_meeting_id_meeting"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_extension")),
    )
    with op.batch_alter_table("meeting_extension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_extension_meeting_id"), ["meeting_id"], unique=False)

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lottery_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lottery_commitment", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("committed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("public_source", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("public_value_due", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("public_value", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("public_value_origin", sa.String(length=500), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("public_value_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("input_list", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("input_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("input_frozen_at", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(op.f("ck_meeting_type_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meeting_type_known"), TYPES_NEW)
        batch_op.create_check_constraint(op.f("ck_meeting_commitment_only_lottery"),
                                         "lottery_commitment IS NULL OR selection_method = 'lottery'")
        batch_op.create_check_constraint(op.f("ck_meeting_commitment_complete"),
                                         "(lottery_commitment IS NULL) = (lottery_secret IS NULL) "
                                         "AND (lottery_commitment IS NULL) = (public_value_due IS NULL)")
        batch_op.create_check_constraint(op.f("ck_meeting_public_value_after_signup"),
                                         "public_value_due IS NULL OR public_value_due > signup_closes_at")
        batch_op.create_check_constraint(op.f("ck_meeting_public_value_entered"),
                                         "(public_value IS NULL) = (public_value_at IS NULL)")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.alter_column("public_source", server_default=None)
        batch_op.alter_column("public_value_origin", server_default=None)

    with op.batch_alter_table("meeting_application", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_application_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meeting_application_status_known"), STATUS_NEW)


def downgrade():
    with op.batch_alter_table("meeting_application", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_meeting_application_status_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meeting_application_status_known"), STATUS_OLD)
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        for name in ("public_value_entered", "public_value_after_signup", "commitment_complete",
                     "commitment_only_lottery", "type_known"):
            batch_op.drop_constraint(op.f(f"ck_meeting_{name}"), type_="check")
        batch_op.create_check_constraint(op.f("ck_meeting_type_known"), TYPES_OLD)
        for column in ("input_frozen_at", "input_hash", "input_list", "public_value_at", "public_value_origin",
                       "public_value", "public_value_due", "public_source", "committed_at",
                       "lottery_commitment", "lottery_secret"):
            batch_op.drop_column(column)
    with op.batch_alter_table("meeting_extension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_extension_meeting_id"))
    op.drop_table("meeting_extension")
