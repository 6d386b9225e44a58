"""Demo data: one account with teams, agents with skills and capacities, a knowledge base,
a chat survey and three chatflows with different targeting, for ``make demo``.

Names come from Faker with a fixed seed, so every demo looks the same. The chatflows target
the demo website the server hosts under ``/demo/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.chatflow import chatflow_from_dict, chatflow_to_dict
from ..passwords import hash_password
from ..secrets import new_id
from . import schema as t
from .bootstrap import create_account

__all__ = ["DEMO_ACCOUNT_ID", "DEMO_ADMIN_EMAIL", "DEMO_PASSWORD", "DemoAccount", "seed_demo"]

DEMO_ADMIN_EMAIL = "admin@demo.test"
DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNT_ID = "acc_demo"  # fixed, so the demo site's tracking code is a constant
OFFICE_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")

ARTICLES = [
    (
        "Getting started",
        "Reset your password",
        "Open the log-in page and choose 'Forgot password'. We email you a link that works for "
        "one hour. If the email does not arrive, check your spam folder.",
    ),
    (
        "Getting started",
        "Create an account",
        "Choose 'Sign up' at the top of any page and fill in your email address and a password.",
    ),
    (
        "Orders",
        "Shipping times",
        "Orders placed before 14:00 on a weekday leave our warehouse the same day. Delivery in "
        "Norway takes one to three working days.",
    ),
    (
        "Orders",
        "Track your parcel",
        "The shipping confirmation email has a tracking link. Tracking starts a few hours after "
        "the parcel leaves our warehouse.",
    ),
    (
        "Returns",
        "Returns and refunds",
        "You may return unused items within 30 days. Refunds reach your card within five working "
        "days after we receive the parcel.",
    ),
    (
        "Returns",
        "Exchange a size",
        "Start a return and choose 'Exchange'. We send the new size as soon as the old one is "
        "scanned by the carrier.",
    ),
    (
        "Billing",
        "Payment methods",
        "We accept cards, Vipps and invoice. Invoices are due within 14 days.",
    ),
    (
        "Billing",
        "Change your billing address",
        "Go to Account → Billing and edit the address. Invoices already sent keep the old one.",
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    account_id: str
    admin_email: str
    password: str
    agent_emails: tuple[str, ...]
    chatflow_ids: tuple[str, ...]


async def seed_demo(engine: AsyncEngine, now: datetime) -> DemoAccount | None:
    """Seed the demo account unless the database already has an account."""
    async with engine.connect() as db:
        if (await db.execute(sa.select(sa.func.count()).select_from(t.accounts))).scalar():
            return None
    fake = Faker("no_NO")
    fake.seed_instance(2026)
    account = await create_account(
        engine,
        now,
        name="Nordlys Outdoor",
        admin_email=DEMO_ADMIN_EMAIL,
        admin_password=DEMO_PASSWORD,
        admin_name="Demo Admin",
        company_name="Nordlys Outdoor AS",
        domain="nordlys.example",
        timezone="Europe/Oslo",
        account_id=DEMO_ACCOUNT_ID,
    )
    aid = account.account_id
    async with engine.begin() as db:
        sales, support = new_id("team"), new_id("team")
        await db.execute(
            t.teams.insert(),
            [
                {"id": sales, "account_id": aid, "name": "Sales", "created_at": now},
                {"id": support, "account_id": aid, "name": "Support", "created_at": now},
            ],
        )
        agents = [
            (sales, ["en", "nb", "pricing"], 3, "available"),
            (sales, ["en", "pricing"], 2, "available"),
            (support, ["nb", "technical"], 3, "available"),
            (support, ["en", "nb", "billing"], 4, "available"),
            (support, ["en", "technical"], 2, "away"),
        ]
        emails = []
        password_hash = hash_password(DEMO_PASSWORD)
        for index, (team, skills, capacity, status) in enumerate(agents, start=1):
            user_id, email = new_id("usr"), f"agent{index}@demo.test"
            emails.append(email)
            await db.execute(
                t.users.insert().values(
                    id=user_id,
                    account_id=aid,
                    email=email,
                    name=fake.name(),
                    avatar_url="",
                    password_hash=password_hash,
                    role="agent",
                    permissions=[],
                    has_seat=True,
                    status=status,
                    capacity=capacity,
                    skills=skills,
                    idle_since=now,
                    created_at=now,
                )
            )
            await db.execute(t.team_members.insert().values(team_id=team, user_id=user_id))
        helpdesk = new_id("inb")
        await db.execute(
            t.inboxes.insert().values(
                id=helpdesk,
                account_id=aid,
                kind="helpdesk",
                name="Support helpdesk",
                chat_channel=True,
                created_at=now,
            )
        )
        kb = new_id("kb")
        await db.execute(
            t.knowledge_bases.insert().values(
                id=kb, account_id=aid, name="Help centre", created_at=now
            )
        )
        await db.execute(
            t.articles.insert(),
            [
                {
                    "id": new_id("art"),
                    "knowledge_base_id": kb,
                    "category": category,
                    "title": title,
                    "body": body,
                    "created_at": now,
                }
                for category, title, body in ARTICLES
            ],
        )
        survey = new_id("srv")
        await db.execute(
            t.surveys.insert().values(
                id=survey,
                account_id=aid,
                name="Chat satisfaction",
                delivery="chat",
                question="How would you rate this chat?",
                created_at=now,
            )
        )
        flows = _chatflows(account.inbox_id, helpdesk, sales, support, kb, survey)
        for flow in flows:
            settings = chatflow_to_dict(chatflow_from_dict(flow))  # validated, defaults filled
            await db.execute(
                t.chatflows.insert().values(
                    id=flow["id"],
                    account_id=aid,
                    name=flow["name"],
                    published=True,
                    priority=flow["priority"],
                    settings=settings,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    return DemoAccount(
        aid, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, tuple(emails), tuple(f["id"] for f in flows)
    )


def _chatflows(
    inbox: str, helpdesk: str, sales: str, support: str, kb: str, survey: str
) -> list[dict[str, Any]]:
    privacy = {"field": "page_url", "operator": "contains", "value": "/demo/privacy"}
    office_hours = [{"day": day, "start": "08:00", "end": "16:00"} for day in OFFICE_DAYS]
    return [
        {
            "id": new_id("cf"),
            "name": "Sales on the pricing page",
            "priority": 10,
            "published": True,
            "workspace": {"kind": "inbox", "id": inbox},
            "build": {
                "welcome_message": "Questions about prices? Our sales team is here.",
                "heading": {"kind": "users_and_teams", "team_ids": [sales]},
                "assignment": {
                    "team_ids": [sales],
                    "strategy": "least_busy",
                    "skill_rules": [{"property": "language", "value": "nb", "skills": ["nb"]}],
                },
                "availability": {
                    "mode": "office_hours",
                    "timezone": "Europe/Oslo",
                    "office_hours": office_hours,
                    "reply_time": "few_minutes",
                    "offline_behaviour": "return_time",
                },
                "email_capture": {"when": "when_unavailable"},
            },
            "target": {
                "groups": [
                    {
                        "rules": [
                            {"field": "page_url", "operator": "contains", "value": "/demo/pricing"}
                        ]
                    }
                ],
                "exclusions": [privacy],
            },
            "display": {
                "accent_color": "#0b6e4f",
                "desktop": "prompt",
                "triggers": {"time_on_page_seconds": 5},
            },
            "options": {
                "communication_consent": {"enabled": True, "subscription_type": "newsletter"},
                "marketing_contacts": True,
            },
        },
        {
            "id": new_id("cf"),
            "name": "Support on help articles",
            "priority": 20,
            "published": True,
            "workspace": {"kind": "helpdesk", "id": helpdesk},
            "build": {
                "welcome_message": "Stuck? Ask us, or search the help centre.",
                "heading": {
                    "kind": "branding",
                    "brand_name": "Nordlys Support",
                    "brand_alias": True,
                },
                "assignment": {"team_ids": [support], "strategy": "round_robin"},
                "availability": {
                    "mode": "user_availability",
                    "away_message_enabled": True,
                    "away_message": "We're all away right now. Leave a message "
                    "and we'll email you.",
                    "at_capacity_behaviour": "wait_message",
                    "wait_message": "All our agents are busy. You're in the "
                    "queue and will be answered soon.",
                },
                "email_capture": {"when": "always"},
                "knowledge_base": {"enabled": True, "knowledge_base_id": kb},
            },
            "target": {
                "groups": [
                    {
                        "rules": [
                            {"field": "page_url", "operator": "starts_with", "value": "/demo/help"}
                        ]
                    }
                ],
                "exclusions": [privacy],
            },
            "display": {
                "accent_color": "#1d4ed8",
                "desktop": "prompt_then_open",
                "mobile": "launcher",
                "triggers": {"scroll_percentage": 50},
            },
            "options": {
                "csat": {"enabled": True, "survey_id": survey},
                "ticket_defaults": {"pipeline": "support", "priority": "high"},
            },
        },
        {
            "id": new_id("cf"),
            "name": "Everywhere else",
            "priority": 90,
            "published": True,
            "workspace": {"kind": "inbox", "id": inbox},
            "build": {
                "welcome_message": "Hi! Anything we can help you with?",
                "assignment": {"strategy": "longest_idle"},
                "availability": {"mode": "always", "at_capacity_behaviour": "hide_launcher"},
            },
            "target": {
                "groups": [{"rules": [{"field": "page_url", "operator": "all_pages"}]}],
                "exclusions": [privacy],
            },
            "display": {
                "accent_color": "#7c3aed",
                "desktop": "launcher",
                "triggers": {"exit_intent": True},
            },
            "options": {"data_processing_consent": {"kind": "legitimate_interest"}},
        },
    ]
