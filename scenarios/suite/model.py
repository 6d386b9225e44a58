"""What a suite file may say: scenarios with a set-up, timed steps by actor and expectations on
what users see. Every model refuses unknown fields, so a misspelt key is an error that names
it (``docs/suites.md`` documents each model; a test keeps the two in line).

References between parts are by name: a step's ``visitor`` is any name (a visitor appears
when first named), ``agent`` and ``to`` name users of the set-up, ``chat`` names a chat a
``start_chat`` step called so (``as``). Strings in chatflows and ``api`` steps may hold
``{user:NAME}``, ``{team:NAME}``, ``{chatflow:NAME}``, ``{kb:NAME}``, ``{survey:NAME}``,
``{chat:NAME}``, ``{helpdesk:NAME}``, ``{account}`` and ``{inbox}``: the ids they stand
for on the target.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "ACTIONS",
    "Api",
    "ChatExpectation",
    "ChatflowSetup",
    "Close",
    "ConsentStep",
    "ContactExpectation",
    "ContactSetup",
    "CookieExpectation",
    "Csat",
    "Email",
    "Expectations",
    "KnowledgeBaseSetup",
    "MessagesExpectation",
    "Reply",
    "Say",
    "Scenario",
    "Search",
    "Setup",
    "StartChat",
    "Status",
    "Step",
    "Suite",
    "SurveyExpectation",
    "SurveySetup",
    "TeamSetup",
    "TicketExpectation",
    "Transfer",
    "Trigger",
    "UserSetup",
    "View",
    "WidgetEvent",
    "WidgetExpectation",
]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def _seconds(value: Any) -> Any:
    """``30``, ``"30s"``, ``"5m"``, ``"2h"`` or ``"180d"`` → seconds."""
    if isinstance(value, str):
        found = _DURATION.match(value)
        if found is None:
            raise ValueError('a number of seconds, or a duration such as "30s", "5m", "2h", "1d"')
        return float(found.group(1)) * _UNITS[found.group(2)]
    return value


Seconds = Annotated[float, BeforeValidator(_seconds), Field(ge=0)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Device = Literal["desktop", "tablet", "mobile"]
AgentStatus = Literal["available", "away", "offline"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- set-up


class AccountSetup(Strict):
    """The account the scenario works in (a fresh one on every run)."""

    name: str = "Acme"
    company_name: str = ""
    domain: str = ""
    timezone: str = "UTC"


class UserSetup(Strict):
    """A user: an agent unless ``role: admin``; created by the account's admin."""

    name: Name
    role: Literal["agent", "admin"] = "agent"
    status: AgentStatus = "available"
    capacity: int | None = Field(None, ge=1, le=100)
    skills: list[str] = Field(default_factory=list)
    seat: bool = True
    permissions: list[Literal["chatflows", "users", "inbox"]] = Field(default_factory=list)
    teams: list[Name] = Field(default_factory=list)


class TeamSetup(Strict):
    name: Name


class ContactSetup(Strict):
    email: str
    owner: Name | None = None  # a user of the set-up


class ArticleSetup(Strict):
    title: str
    body: str
    category: str = ""


class KnowledgeBaseSetup(Strict):
    name: Name
    articles: list[ArticleSetup] = Field(default_factory=list)


class SurveySetup(Strict):
    name: Name
    question: str = "How did we do?"


class ChatflowSetup(BaseModel):
    """A chatflow in the server's own JSON form: the body of ``POST /api/v1/chatflows``
    (``name``, ``language``, ``published``, ``build``, ``target``, ``display``, ``options``,
    …); the workspace is the account's chat inbox unless given."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: Name
    published: bool = True


class Setup(Strict):
    account: AccountSetup = Field(default_factory=AccountSetup)
    helpdesks: list[Name] = Field(default_factory=list)  # help desks with a chat channel
    teams: list[TeamSetup] = Field(default_factory=list)
    users: list[UserSetup] = Field(default_factory=list)
    contacts: list[ContactSetup] = Field(default_factory=list)
    knowledge_bases: list[KnowledgeBaseSetup] = Field(default_factory=list)
    surveys: list[SurveySetup] = Field(default_factory=list)
    chatflows: list[ChatflowSetup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_known(self) -> Setup:
        teams = {team.name for team in self.teams}
        for number, user in enumerate(self.users):
            for team in user.teams:
                if team not in teams:
                    raise ValueError(f"users[{number}].teams: no team named {team!r}")
        users = {user.name for user in self.users}
        for number, contact in enumerate(self.contacts):
            if contact.owner is not None and contact.owner not in users:
                raise ValueError(f"contacts[{number}].owner: no user named {contact.owner!r}")
        return self


# ---------------------------------------------------------------- steps: visitors


class View(Strict):
    """A page view: the loader's config call for ``url``, with the visitor's cookies (kept
    from earlier answers, plus ``cookies``) and, with ``identify``, the identification
    API's email and a token made for it (CV7, OP8)."""

    visitor: Name
    url: str
    device: Device = "desktop"
    cookies: dict[str, str] = Field(default_factory=dict)
    identify: str | None = None
    cookie_consent: bool | None = None


class WidgetEvent(Strict):
    """The visitor minimizes, opens or closes the widget (the cookies it answers are kept)."""

    visitor: Name
    action: Literal["minimize", "open", "close"]


class Trigger(Strict):
    """A display trigger fires on the visitor's page (DS2): the widget turns to the mode the
    server gave for a fired trigger, if the chatflow has that trigger."""

    visitor: Name
    kind: Literal["exit_intent", "time_on_page", "scroll"]


class StartChat(Strict):
    """The visitor starts a chat exactly as the shipped widget does: a ``start`` frame on the
    visitor WebSocket with the config's chatflow, the page, ``properties: {}`` and the first
    message. ``as`` names the chat for later steps."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    visitor: Name
    text: str = "Hello"
    name: Name | None = Field(None, alias="as")
    consent: dict[Literal["cookies", "data_processing", "communication"], bool] = Field(
        default_factory=dict
    )


class Say(Strict):
    """The visitor writes in their chat."""

    visitor: Name
    text: str


class Email(Strict):
    """The visitor leaves an email address (BD2)."""

    visitor: Name
    address: str


class ConsentStep(Strict):
    """The visitor answers the consent questions of their chat (OP3-OP5)."""

    visitor: Name
    data_processing: bool | None = None
    cookies: bool | None = None
    communication: bool | None = None


class Csat(Strict):
    """The visitor answers the survey of their closed chat (OP7)."""

    visitor: Name
    rating: int = Field(ge=1, le=5)
    comment: str = ""


class Search(Strict):
    """The visitor searches the help tab's knowledge base (BD5); ``expect`` lists the
    titles found, best first."""

    visitor: Name
    query: str
    expect: list[str]


# ---------------------------------------------------------------- steps: agents


class Status(Strict):
    """An agent sets their status (CV4)."""

    agent: Name
    status: AgentStatus


class Reply(Strict):
    agent: Name
    chat: Name
    text: str


class Transfer(Strict):
    agent: Name
    chat: Name
    to: Name


class Close(Strict):
    """An agent (or, with ``visitor``, the visitor) closes a chat."""

    chat: Name
    agent: Name | None = None
    visitor: Name | None = None

    @model_validator(mode="after")
    def _one_actor(self) -> Close:
        if (self.agent is None) == (self.visitor is None):
            raise ValueError("name the agent or the visitor who closes the chat")
        return self


class Api(Strict):
    """A call to the REST API as a user of the set-up (``admin`` is the account's admin,
    ``api_key`` its key), with the status and the parts of the JSON answer expected (a
    subset: lists compare item by item, dicts key by key)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    caller: Name = Field("admin", alias="as")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str
    json_body: Any = Field(None, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    status: int = 200
    response: Any = None
    text_contains: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- expectations


class WidgetExpectation(Strict):
    """What the visitor's widget shows after their last page view (fields left out are not
    checked). ``shown: false``: no chatflow applies to the page."""

    visitor: Name
    shown: bool = True
    chatflow: Name | None = None
    mode: Literal["hidden", "launcher", "prompt", "open"] | None = None
    mode_when_triggered: Literal["hidden", "launcher", "prompt", "open"] | None = None
    state: Literal["available", "away", "offline", "at_capacity"] | None = None
    message_kind: Literal["welcome", "away", "wait", "return_time", "none"] | None = None
    message_contains: str | None = None
    launcher_hidden: bool | None = None
    reply_time_text: str | None = None
    language: str | None = None
    texts: dict[str, str] = Field(default_factory=dict)  # text key → a part of it
    welcome_contains: str | None = None
    heading_names: list[str] | None = None
    email_ask: bool | None = None
    cookie_banner_at: Literal["before_chat", "exit_intent", "widget_load"] | None = None
    data_processing: Literal["explicit", "legitimate_interest"] | None = None
    communication_text_contains: str | None = None
    send_allowed: bool | None = None
    knowledge_base: bool | None = None
    csat: bool | None = None


class CookieExpectation(Strict):
    """The cookies the visitor's browser holds now (on the driven clock): ``has`` each with
    its lifetime when set (seconds or a duration), ``lacks`` not at all."""

    visitor: Name
    has: dict[str, Seconds] = Field(default_factory=dict)
    lacks: list[str] = Field(default_factory=list)


class ChatExpectation(Strict):
    """A chat as the inbox shows it: its status and who holds it (``assignee: null``: no
    one); ``agent_seen`` is the name the visitor sees for their agent (BD4: the brand)."""

    chat: Name
    status: (
        Literal["waiting", "assigned", "unassigned", "closed", "offline", "abandoned"] | None
    ) = None
    assignee: Name | None = None  # checked when given, null included
    agent_seen: str | None = None
    email_known: bool | None = None


class MessagesExpectation(Strict):
    """The messages of a chat as its visitor sees them, in order (texts)."""

    chat: Name
    texts: list[str]


class TicketExpectation(Strict):
    """The ticket made from a chat (CV3), with a subset of its fields."""

    chat: Name
    exists: bool = True
    fields: dict[str, Any] = Field(default_factory=dict)


class ContactExpectation(Strict):
    email: str
    exists: bool = True
    marketing: bool | None = None
    owner: Name | None = None


class SurveyExpectation(Strict):
    """The answers a survey holds (OP7): their ratings, in order."""

    survey: Name
    ratings: list[int]


class Expectations(Strict):
    widget: list[WidgetExpectation] = Field(default_factory=list)
    cookies: list[CookieExpectation] = Field(default_factory=list)
    chats: list[ChatExpectation] = Field(default_factory=list)
    queue: list[Name] | None = None  # the waiting chats, longest-waiting first
    messages: list[MessagesExpectation] = Field(default_factory=list)
    tickets: list[TicketExpectation] = Field(default_factory=list)
    contacts: list[ContactExpectation] = Field(default_factory=list)
    surveys: list[SurveyExpectation] = Field(default_factory=list)


# ---------------------------------------------------------------- steps


ACTIONS = (
    "clock",
    "wait",
    "view",
    "widget_event",
    "trigger",
    "start_chat",
    "say",
    "email",
    "consent",
    "csat",
    "search",
    "leave",
    "status",
    "claim",
    "reply",
    "transfer",
    "close",
    "api",
)
"""The actions a step may take, one per step (a step may also only ``expect``)."""


class Claim(Strict):
    agent: Name
    chat: Name


class Step(Strict):
    """One timed step: one action by one actor, then the expectations (both optional, not
    both missing). ``clock`` sets the driven clock, ``wait`` moves it on."""

    clock: AwareDatetime | None = None
    wait: Seconds | None = None
    view: View | None = None
    widget_event: WidgetEvent | None = None
    trigger: Trigger | None = None
    start_chat: StartChat | None = None
    say: Say | None = None
    email: Email | None = None
    consent: ConsentStep | None = None
    csat: Csat | None = None
    search: Search | None = None
    leave: Name | None = None  # the visitor leaves the page (closes the widget's socket)
    status: Status | None = None
    claim: Claim | None = None
    reply: Reply | None = None
    transfer: Transfer | None = None
    close: Close | None = None
    api: Api | None = None
    expect: Expectations | None = None
    note: str = ""  # why this step is here, for the reader

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        taken = self.actions()
        if len(taken) > 1:
            raise ValueError(f"one action per step, not {', '.join(taken)}")
        if not taken and self.expect is None:
            raise ValueError(f"a step needs an action ({', '.join(ACTIONS)}) or expect")
        return self

    def actions(self) -> list[str]:
        return [name for name in ACTIONS if getattr(self, name) is not None]

    @property
    def action(self) -> str | None:
        taken = self.actions()
        return taken[0] if taken else None


class Scenario(Strict):
    """One scenario: its name, the feature IDs it covers (pytest markers), the set-up and
    the steps. ``start`` is where the driven clock stands when the steps begin; ``xfail``
    names a known divergence per target (``server``, ``simulator``): the scenario is
    expected to fail there, and passing is an error (strict)."""

    name: Name
    features: list[Annotated[str, Field(pattern=r"^[A-Z]{2,3}\d+$")]] = Field(min_length=1)
    description: str = ""
    start: AwareDatetime = datetime.fromisoformat("2026-01-05T10:00:00+00:00")
    setup: Setup = Field(default_factory=Setup)
    steps: list[Step] = Field(min_length=1)
    xfail: dict[Literal["server", "simulator"], str] = Field(default_factory=dict)


class Suite(Strict):
    """A suite file: a list of scenarios (names unique in the file)."""

    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Suite:
        seen: set[str] = set()
        for scenario in self.scenarios:
            if scenario.name in seen:
                raise ValueError(f"two scenarios are named {scenario.name!r}")
            seen.add(scenario.name)
        return self
