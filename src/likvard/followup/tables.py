"""SQLAlchemy Core tables of the follow-up register, on the store's metadata.

Created by migration ``0002_followup``. Nothing is ever overwritten: an intervention's every
decided version is a row of ``intervention_versions``; a decision's status changes are rows of
``decision_status``; deleting is a mark (``deleted_at``/``deleted_by``), so the history of
decisions can always be shown.
"""

from __future__ import annotations

import sqlalchemy as sa

from likvard.store.schema import metadata

interventions = sa.Table(
    "interventions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.Column("deleted_by", sa.String(200)),
)

intervention_versions = sa.Table(
    "intervention_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("intervention_id", sa.Integer, sa.ForeignKey("interventions.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("category", sa.String(200), nullable=False),
    sa.Column("status", sa.String(50), nullable=False),
    sa.Column("indicator", sa.String(50)),
    sa.Column("start_year", sa.Integer),
    sa.Column("horizon", sa.Integer),
    sa.Column("expected_effect", sa.Float),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("baseline", sa.JSON),
    sa.Column("changed", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("role", sa.String(50), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("intervention_id", "version", name="uq_intervention_versions_version"),
)

intervention_evaluations = sa.Table(
    "intervention_evaluations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("intervention_id", sa.Integer, sa.ForeignKey("interventions.id"), nullable=False, index=True),
    sa.Column("intervention_version", sa.Integer, nullable=False),
    sa.Column("indicator", sa.String(50), nullable=False),
    sa.Column("design", sa.String(50), nullable=False),
    sa.Column("estimate", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("level", sa.Float, nullable=False),
    sa.Column("verdict", sa.String(50), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("data_version", sa.String(64), nullable=False),
    sa.Column("result", sa.JSON, nullable=False),
    sa.Column("run_by", sa.String(200), nullable=False),
    sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
)

dialogues = sa.Table(
    "dialogues", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.String(200), nullable=False),
    sa.Column("school_year", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("participants", sa.JSON, nullable=False),
    sa.Column("focus_area", sa.Text),
    sa.Column("focus_motivation", sa.Text),
    sa.Column("authority_area", sa.Text),
    sa.Column("authority_motivation", sa.Text),
    sa.Column("data_pack", sa.JSON),
    sa.Column("data_pack_sha256", sa.String(64)),
    sa.Column("data_version", sa.String(64)),
    sa.Column("data_pack_at", sa.DateTime(timezone=True)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.Column("deleted_by", sa.String(200)),
    sa.Index("ix_dialogues_school_year", "school_year"),
)

dialogue_items = sa.Table(
    "dialogue_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("motivation", sa.Text, nullable=False),
    sa.Column("flagged", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("indicator", sa.String(50)),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

dialogue_notes = sa.Table(
    "dialogue_notes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id"), nullable=False, index=True),
    sa.Column("item_id", sa.Integer, sa.ForeignKey("dialogue_items.id"), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

decisions = sa.Table(
    "decisions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id"), nullable=False, index=True),
    sa.Column("what", sa.Text, nullable=False),
    sa.Column("responsible_role", sa.String(50), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("resource", sa.Text),
    sa.Column("intervention_id", sa.Integer, sa.ForeignKey("interventions.id")),
    sa.Column("indicator", sa.String(50)),
    sa.Column("follow_up_dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id")),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
    sa.Column("deleted_by", sa.String(200)),
)

decision_status = sa.Table(
    "decision_status", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False, index=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id")),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

dialogue_signoffs = sa.Table(
    "dialogue_signoffs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dialogue_id", sa.Integer, sa.ForeignKey("dialogues.id"), nullable=False, index=True),
    sa.Column("as_role", sa.String(20), nullable=False),
    sa.Column("signed_by", sa.String(200), nullable=False),
    sa.Column("role", sa.String(50), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
)

status_analyses = sa.Table(
    "status_analyses", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.String(200), nullable=False),
    sa.Column("school_year", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("prefill", sa.JSON, nullable=False),
    sa.Column("sections", sa.JSON, nullable=False),
    sa.Column("problems", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_status_analyses_school", "school_id", "school_year"),
)

action_plan_rows = sa.Table(
    "action_plan_rows", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("school_id", sa.String(200), nullable=False),
    sa.Column("school_year", sa.Integer, nullable=False),
    sa.Column("goal", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("owner_role", sa.String(50), nullable=False),
    sa.Column("timeline", sa.Text, nullable=False),
    sa.Column("resources", sa.Text, nullable=False),
    sa.Column("indicator", sa.String(50)),
    sa.Column("expected_effect", sa.Float),
    sa.Column("horizon", sa.Integer),
    sa.Column("follow_up", sa.Text, nullable=False),
    sa.Column("intervention_id", sa.Integer, sa.ForeignKey("interventions.id")),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

FOLLOWUP_TABLES = (interventions, intervention_versions, intervention_evaluations, dialogues, dialogue_items,
                   dialogue_notes, decisions, decision_status, dialogue_signoffs, status_analyses, action_plan_rows)
