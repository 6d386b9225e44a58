"""Every table of the reference server, in one MetaData (the Alembic migrations mirror it).

Ids are short random strings made by the application (``new_id("usr")`` → ``usr_…``).
Settings that the domain owns (a chatflow, the account's widget defaults) are stored whole as
JSON in the domain's plain-dict form, with the columns that queries need beside them.
"""

from __future__ import annotations

import sqlalchemy as sa

from .types import UtcDateTime

# A boolean default both SQLite and PostgreSQL read as false (sa.false() renders as 0 on
# SQLite, which PostgreSQL refuses for a boolean column in the generated migration).
FALSE = sa.text("false")

__all__ = ["metadata"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> sa.Column[str]:
    return sa.Column("id", sa.String(40), primary_key=True)


def _account() -> sa.Column[str]:
    return sa.Column(
        "account_id",
        sa.String(40),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def _created() -> sa.Column[sa.DateTime]:
    return sa.Column("created_at", UtcDateTime(), nullable=False)


accounts = sa.Table(
    "accounts",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("company_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("domain", sa.String(255), nullable=False, server_default=""),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("widget_defaults", sa.JSON(), nullable=True),  # CF2, AccountDefaults as a dict
    _created(),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    _id(),
    _account(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.JSON(), nullable=False),  # e.g. ["contacts:read", …] (api/auth.py)
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    _created(),
)

users = sa.Table(
    "users",
    metadata,
    _id(),
    _account(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("avatar_url", sa.String(500), nullable=False, server_default=""),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),  # admin | agent
    sa.Column("permissions", sa.JSON(), nullable=False),  # e.g. ["chatflows", "users"]
    sa.Column("has_seat", sa.Boolean(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # AgentStatus
    sa.Column("capacity", sa.Integer(), nullable=True),  # AV8; NULL = no limit
    sa.Column("skills", sa.JSON(), nullable=False),
    sa.Column("idle_since", UtcDateTime(), nullable=True),
    _created(),
    sa.UniqueConstraint("account_id", "email"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id",
        sa.String(40),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("expires_at", UtcDateTime(), nullable=False),  # renewed by use, up to a maximum
    _created(),
)

socket_tickets = sa.Table(  # single-use, short-lived passes to open a WebSocket
    "socket_tickets",
    metadata,
    sa.Column("ticket_hash", sa.String(64), primary_key=True),
    sa.Column(  # an agent's ticket: the session it was issued to
        "session_hash",
        sa.String(64),
        sa.ForeignKey("sessions.token_hash", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column(  # a visitor's ticket
        "visitor_id",
        sa.String(40),
        sa.ForeignKey("visitors.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

teams = sa.Table(
    "teams",
    metadata,
    _id(),
    _account(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("avatar_url", sa.String(500), nullable=False, server_default=""),
    _created(),
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column(
        "team_id", sa.String(40), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.String(40), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
)

inboxes = sa.Table(  # inboxes and helpdesks (CF1: the chatflow's workspace)
    "inboxes",
    metadata,
    _id(),
    _account(),
    sa.Column("kind", sa.String(20), nullable=False),  # inbox | helpdesk
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("chat_channel", sa.Boolean(), nullable=False),  # a chat channel is connected
    _created(),
)

chatflows = sa.Table(
    "chatflows",
    metadata,
    _id(),
    _account(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("published", sa.Boolean(), nullable=False),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("settings", sa.JSON(), nullable=False),  # the chatflow's plain-dict form
    sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    _created(),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    _id(),
    _account(),
    sa.Column("email", sa.String(254), nullable=True),  # normalised, lower-case
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column(
        "owner_id", sa.String(40), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("properties", sa.JSON(), nullable=False),
    sa.Column("marketing", sa.Boolean(), nullable=False),  # OP6
    sa.Column("subscriptions", sa.JSON(), nullable=False),  # OP5: subscription types agreed to
    _created(),
    sa.UniqueConstraint("account_id", "email"),
)

visitors = sa.Table(  # a browser, known by its messagesUtk cookie or identification
    "visitors",
    metadata,
    _id(),
    _account(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "contact_id",
        sa.String(40),
        sa.ForeignKey("contacts.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("identified", sa.Boolean(), nullable=False),  # CV7 / OP8
    # The visitor's consent answers between conversations (the domain's ConsentRecord), a
    # column each, so answers given at the same time never overwrite each other.
    sa.Column("consent_cookies", sa.Boolean(), nullable=True),  # OP3, null: not answered
    sa.Column("consent_data_processing", sa.Boolean(), nullable=False, server_default=FALSE),
    sa.Column("consent_notice", sa.Text(), nullable=False, server_default=""),  # OP4 agreed to
    sa.Column("consent_communication", sa.Boolean(), nullable=False, server_default=FALSE),
    _created(),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
)

conversations = sa.Table(
    "conversations",
    metadata,
    _id(),
    _account(),
    sa.Column(
        "chatflow_id",
        sa.String(40),
        sa.ForeignKey("chatflows.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column(
        "inbox_id", sa.String(40), sa.ForeignKey("inboxes.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column(
        "visitor_id",
        sa.String(40),
        sa.ForeignKey("visitors.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "contact_id",
        sa.String(40),
        sa.ForeignKey("contacts.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("status", sa.String(20), nullable=False),  # ConversationStatus
    sa.Column(
        "assignee_id",
        sa.String(40),
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    ),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("page_url", sa.String(2000), nullable=False, server_default=""),
    sa.Column("properties", sa.JSON(), nullable=False),  # RT3: language, page, topic, …
    sa.Column("consent", sa.JSON(), nullable=False),  # what the visitor agreed to (CV2)
    sa.Column("last_sequence", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("waiting_since", UtcDateTime(), nullable=True),
    # RT5: when the visitor's last connection went (null while connected or never known):
    # a waiting chat whose visitor does not come back is abandoned (domain.intake).
    sa.Column("visitor_gone_since", UtcDateTime(), nullable=True),
    sa.Column("assigned_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    _created(),
    sa.Index("ix_conversations_account_status", "account_id", "status"),
)

messages = sa.Table(
    "messages",
    metadata,
    _id(),
    sa.Column(
        "conversation_id",
        sa.String(40),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("sequence", sa.Integer(), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("sender_kind", sa.String(10), nullable=False),  # visitor | agent | system
    sa.Column("sender_id", sa.String(40), nullable=True),
    # who sent it, for resends: "visitor", "agent:usr_…" — two agents' client ids never clash
    sa.Column("sender", sa.String(60), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    _created(),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("conversation_id", "sequence"),
    sa.UniqueConstraint("conversation_id", "sender", "client_id"),
)

notes = sa.Table(  # CV2: internal notes on a conversation, seen by agents only
    "notes",
    metadata,
    _id(),
    sa.Column(
        "conversation_id",
        sa.String(40),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "author_id", sa.String(40), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("text", sa.Text(), nullable=False),
    _created(),
)

canned_replies = sa.Table(  # CV2: the account's saved replies, inserted by their shortcut
    "canned_replies",
    metadata,
    _id(),
    _account(),
    sa.Column("shortcut", sa.String(40), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    _created(),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("account_id", "shortcut"),
)

tickets = sa.Table(  # CV3 with the chatflow's default properties (OP2)
    "tickets",
    metadata,
    _id(),
    _account(),
    sa.Column(
        "conversation_id",
        sa.String(40),
        sa.ForeignKey("conversations.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("properties", sa.JSON(), nullable=False),
    _created(),
)

knowledge_bases = sa.Table(
    "knowledge_bases",
    metadata,
    _id(),
    _account(),
    sa.Column("name", sa.String(200), nullable=False),
    _created(),
)

articles = sa.Table(
    "articles",
    metadata,
    _id(),
    sa.Column(
        "knowledge_base_id",
        sa.String(40),
        sa.ForeignKey("knowledge_bases.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("category", sa.String(200), nullable=False, server_default=""),
    _created(),
)

surveys = sa.Table(  # OP7
    "surveys",
    metadata,
    _id(),
    _account(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("delivery", sa.String(20), nullable=False),  # chat | email
    sa.Column("question", sa.String(500), nullable=False),
    _created(),
)

survey_answers = sa.Table(
    "survey_answers",
    metadata,
    _id(),
    sa.Column(
        "survey_id",
        sa.String(40),
        sa.ForeignKey("surveys.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "conversation_id",
        sa.String(40),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("rating", sa.Integer(), nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    _created(),
)

identification_tokens = sa.Table(  # CV7
    "identification_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _account(),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("first_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("last_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    _created(),
)

routing_state = sa.Table(  # the round-robin cursor, per account
    "routing_state",
    metadata,
    sa.Column(
        "account_id",
        sa.String(40),
        sa.ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("last_assigned_id", sa.String(40), nullable=True),
)
