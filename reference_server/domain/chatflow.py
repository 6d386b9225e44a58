"""A chatflow's settings (CF1–CF7), in the four sections the product edits them by.

``Chatflow`` is a tree of frozen dataclasses: ``build`` (BD, AV, RT), ``target`` (TG),
``display`` (DS) and ``options`` (OP). Every field has the product's default, so
``Chatflow(id="c1", name="Sales", workspace=Workspace(...))`` is a valid live-agent chatflow.

The plain-dict form (``chatflow_to_dict`` / ``chatflow_from_dict``) is the one format the
server's JSON, the scenario suites' YAML and the simulator read. ``chatflow_from_dict``
validates the whole chatflow and raises :class:`~reference_server.domain.codec.InvalidData`
naming every bad field (CF7). Rules that need the account's data (which users have a seat,
which inboxes have a chat channel — CF1, CF6) are checked by :func:`check_references`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .codec import FieldError, from_dict, join_path, to_dict

__all__ = [
    "MAX_PRIORITY",
    "MAX_QUEUE_TIMEOUT_SECONDS",
    "AccountDefaults",
    "AssignmentSettings",
    "AtCapacityBehaviour",
    "AvailabilityMode",
    "AvailabilitySettings",
    "AwayChats",
    "BuildSettings",
    "Chatflow",
    "CommunicationConsent",
    "CookieConsent",
    "CookieConsentTiming",
    "CsatSettings",
    "DataProcessingConsent",
    "DataProcessingKind",
    "DesktopBehaviour",
    "DisplaySettings",
    "EmailCapture",
    "EmailCaptureWhen",
    "HeadingKind",
    "HeadingSettings",
    "KnowledgeBaseSettings",
    "Language",
    "MobileBehaviour",
    "OPERATORS_BY_FIELD",
    "OfficeHours",
    "OfflineBehaviour",
    "OptionsSettings",
    "ReferenceContext",
    "ReplyTime",
    "Rule",
    "RuleField",
    "RuleOperator",
    "RoutingStrategy",
    "SkillRule",
    "TargetSettings",
    "Triggers",
    "Weekday",
    "Workspace",
    "WorkspaceKind",
    "FilterGroup",
    "chatflow_from_dict",
    "chatflow_to_dict",
    "check_references",
    "new_chatflow",
    "parse_hhmm",
    "link_problem",
]


class Language(StrEnum):
    """OP1: languages the widget's own texts exist in."""

    EN = "en"
    NB = "nb"


class WorkspaceKind(StrEnum):
    INBOX = "inbox"
    HELPDESK = "helpdesk"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        """0 for Monday … 6 for Sunday, as ``datetime.weekday()``."""
        return _WEEKDAY_INDEX[self]


_WEEKDAY_INDEX = {day: i for i, day in enumerate(Weekday)}
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_hhmm(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"``; ``"24:00"`` is the end of the day (1440)."""
    if text == "24:00":
        return 1440
    match = _HHMM.match(text)
    if match is None:
        raise ValueError(f"not a time of day: {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _hhmm_error(text: str) -> str | None:
    try:
        parse_hhmm(text)
    except ValueError:
        return 'must be a time of day "HH:MM" (00:00–24:00)'
    return None


# ---------------------------------------------------------------- build: availability (AV)


class AvailabilityMode(StrEnum):
    USER_AVAILABILITY = "user_availability"  # AV1
    OFFICE_HOURS = "office_hours"  # AV2
    ALWAYS = "always"  # AV3


class ReplyTime(StrEnum):
    """AV4: the typical reply time shown while available."""

    NONE = "none"
    FEW_MINUTES = "few_minutes"
    FEW_HOURS = "few_hours"
    A_DAY = "a_day"


class OfflineBehaviour(StrEnum):
    """AV6: what visitors see outside office hours."""

    RETURN_TIME = "return_time"
    AWAY_MESSAGE = "away_message"
    HIDE_LAUNCHER = "hide_launcher"
    NOTHING = "nothing"


class AtCapacityBehaviour(StrEnum):
    """AV7: what visitors see when every assignable user is at their limit."""

    WAIT_MESSAGE = "wait_message"
    HIDE_LAUNCHER = "hide_launcher"
    NOTHING = "nothing"


@dataclass(frozen=True)
class OfficeHours:
    """One range of one weekday. ``end`` "24:00" means midnight; an ``end`` earlier than
    ``start`` runs through midnight into the next day (AV2)."""

    day: Weekday
    start: str = "09:00"
    end: str = "17:00"

    def _check(self) -> list[FieldError]:
        errors = [
            FieldError(name, message)
            for name in ("start", "end")
            if (message := _hhmm_error(getattr(self, name))) is not None
        ]
        if not errors and self.start == self.end:
            errors.append(FieldError("end", "must differ from start"))
        return errors


@dataclass(frozen=True)
class AvailabilitySettings:
    mode: AvailabilityMode = AvailabilityMode.USER_AVAILABILITY
    timezone: str = "UTC"
    office_hours: tuple[OfficeHours, ...] = ()
    reply_time: ReplyTime = ReplyTime.NONE
    away_message_enabled: bool = False
    away_message: str = ""
    offline_behaviour: OfflineBehaviour = OfflineBehaviour.RETURN_TIME
    at_capacity_behaviour: AtCapacityBehaviour = AtCapacityBehaviour.NOTHING
    wait_message: str = ""

    def _check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(FieldError("timezone", "must be an IANA time zone, e.g. Europe/Oslo"))
        if self.mode is AvailabilityMode.OFFICE_HOURS and not self.office_hours:
            errors.append(FieldError("office_hours", "must have at least one range"))
        uses_away = self.away_message_enabled or (
            self.mode is AvailabilityMode.OFFICE_HOURS
            and self.offline_behaviour is OfflineBehaviour.AWAY_MESSAGE
        )
        if uses_away and not self.away_message.strip():
            errors.append(FieldError("away_message", "must not be empty when it is shown"))
        waits = self.at_capacity_behaviour is AtCapacityBehaviour.WAIT_MESSAGE
        if waits and not self.wait_message.strip():
            errors.append(FieldError("wait_message", "must not be empty when it is shown"))
        return errors


# ---------------------------------------------------------------- build: assignment (RT)


class RoutingStrategy(StrEnum):
    """RT5: how a conversation is distributed among eligible users with free capacity."""

    ROUND_ROBIN = "round_robin"
    LEAST_BUSY = "least_busy"
    MOST_BUSY = "most_busy"
    LONGEST_IDLE = "longest_idle"


@dataclass(frozen=True)
class SkillRule:
    """RT3: when conversation ``property`` equals ``value``, only users having every one of
    ``skills`` are eligible. The first matching rule applies."""

    property: str
    value: str
    skills: tuple[str, ...]

    def _check(self) -> list[FieldError]:
        errors = []
        if not self.property.strip():
            errors.append(FieldError("property", "must not be empty"))
        if not self.skills:
            errors.append(FieldError("skills", "must name at least one skill"))
        return errors


class AwayChats(StrEnum):
    """RT5: what happens to the open chats of an agent who goes away or offline."""

    KEEP = "keep"  # they stay with the agent, who answers them on return
    REQUEUE = "requeue"  # they go back to the waiting queue, for someone available


MAX_QUEUE_TIMEOUT_SECONDS = 86_400


@dataclass(frozen=True)
class AssignmentSettings:
    """RT1–RT5. With ``enabled`` off, conversations arrive unassigned (RT2). With no users
    and no teams named, every user with a seat is a candidate.

    ``queue_timeout_seconds``: a chat still waiting that long leaves the queue for the
    inbox's unassigned view (a message to answer later); ``None`` waits for ever.
    ``away_chats``: what happens to an agent's open chats when they go away or offline."""

    enabled: bool = True
    user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    contact_owner_first: bool = False
    skill_rules: tuple[SkillRule, ...] = ()
    strategy: RoutingStrategy = RoutingStrategy.LEAST_BUSY
    queue_timeout_seconds: int | None = None
    away_chats: AwayChats = AwayChats.KEEP

    def _check(self) -> list[FieldError]:
        timeout = self.queue_timeout_seconds
        if timeout is not None and not 10 <= timeout <= MAX_QUEUE_TIMEOUT_SECONDS:
            message = f"must be 10 to {MAX_QUEUE_TIMEOUT_SECONDS} seconds, or null for no limit"
            return [FieldError("queue_timeout_seconds", message)]
        return []


# ---------------------------------------------------------------- build: chat (BD)


class EmailCaptureWhen(StrEnum):
    """BD2: when the visitor is asked for an email address."""

    ALWAYS = "always"
    WHEN_UNAVAILABLE = "when_unavailable"
    NEVER = "never"


@dataclass(frozen=True)
class EmailCapture:
    when: EmailCaptureWhen = EmailCaptureWhen.WHEN_UNAVAILABLE
    message: str = ""  # empty: the localised default text


class HeadingKind(StrEnum):
    """BD3: who the chat heading shows."""

    USERS_AND_TEAMS = "users_and_teams"
    CONTACT_OWNER = "contact_owner"
    BRANDING = "branding"


def link_problem(url: str) -> str | None:
    """Why ``url`` may not be a link or image the widget shows (None when it may): an
    absolute http(s) address or a path (``/privacy``). Never a ``javascript:`` or
    ``data:`` link, nor ``//host/...`` (another site, whatever the page's scheme)."""
    if not url:
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("https://", "http://")) and lowered.split("/")[2]:
        return None
    if url.startswith("/") and not url.startswith(("//", "/\\")):
        return None
    return "must be an http(s) address or a path (/...)"


@dataclass(frozen=True)
class HeadingSettings:
    kind: HeadingKind = HeadingKind.USERS_AND_TEAMS
    user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    brand_name: str = ""
    brand_avatar_url: str = ""
    brand_alias: bool = False  # BD4: branding replaces agents all through the conversation

    def _check(self) -> list[FieldError]:
        errors = []
        if self.kind is HeadingKind.BRANDING and not self.brand_name.strip():
            errors.append(FieldError("brand_name", "must not be empty for a branding heading"))
        if self.brand_alias and self.kind is not HeadingKind.BRANDING:
            errors.append(FieldError("brand_alias", "needs the branding heading"))
        avatar = link_problem(self.brand_avatar_url)
        if avatar:
            errors.append(FieldError("brand_avatar_url", avatar))
        return errors


@dataclass(frozen=True)
class KnowledgeBaseSettings:
    """BD5: the help tab."""

    enabled: bool = False
    knowledge_base_id: str = ""

    def _check(self) -> list[FieldError]:
        if self.enabled and not self.knowledge_base_id:
            return [FieldError("knowledge_base_id", "must be chosen when search is on")]
        return []


@dataclass(frozen=True)
class BuildSettings:
    welcome_message: str = "Hi! How can we help you?"  # BD1, in the chatflow's language
    email_capture: EmailCapture = field(default_factory=EmailCapture)
    heading: HeadingSettings = field(default_factory=HeadingSettings)
    assignment: AssignmentSettings = field(default_factory=AssignmentSettings)
    availability: AvailabilitySettings = field(default_factory=AvailabilitySettings)
    knowledge_base: KnowledgeBaseSettings = field(default_factory=KnowledgeBaseSettings)

    def _check(self) -> list[FieldError]:
        if not self.welcome_message.strip():
            return [FieldError("welcome_message", "must not be empty")]
        if len(self.welcome_message) > 1000:
            return [FieldError("welcome_message", "must be at most 1000 characters")]
        return []


# ---------------------------------------------------------------- target (TG)


class RuleField(StrEnum):
    PAGE_URL = "page_url"  # TG1
    QUERY_PARAMETER = "query_parameter"  # TG2
    VISITOR = "visitor"  # TG4: value "known_contact" or "unknown_visitor"
    CONTACT_PROPERTY = "contact_property"  # TG4: name = property
    DEVICE = "device"  # TG4: value desktop / tablet / mobile


class RuleOperator(StrEnum):
    ALL_PAGES = "all_pages"
    IS = "is"
    IS_NOT = "is_not"
    CONTAINS = "contains"
    DOES_NOT_CONTAIN = "does_not_contain"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    MATCHES_WILDCARD = "matches_wildcard"
    IS_KNOWN = "is_known"  # contact property has any value
    IS_UNKNOWN = "is_unknown"


OPERATORS_BY_FIELD: dict[RuleField, frozenset[RuleOperator]] = {
    RuleField.PAGE_URL: frozenset(RuleOperator) - {RuleOperator.IS_KNOWN, RuleOperator.IS_UNKNOWN},
    RuleField.QUERY_PARAMETER: frozenset({RuleOperator.IS, RuleOperator.IS_NOT}),
    RuleField.VISITOR: frozenset({RuleOperator.IS}),
    RuleField.CONTACT_PROPERTY: frozenset(RuleOperator) - {RuleOperator.ALL_PAGES},
    RuleField.DEVICE: frozenset({RuleOperator.IS, RuleOperator.IS_NOT}),
}
"""TG1-TG4: the operators each rule field takes."""
VISITOR_KINDS = ("known_contact", "unknown_visitor")
DEVICES = ("desktop", "tablet", "mobile")


@dataclass(frozen=True)
class Rule:
    """One targeting rule. ``name`` is the query parameter or contact property name."""

    field: RuleField = RuleField.PAGE_URL
    operator: RuleOperator = RuleOperator.ALL_PAGES
    value: str = ""
    name: str = ""

    def _check(self) -> list[FieldError]:
        if self.operator not in OPERATORS_BY_FIELD[self.field]:
            return [FieldError("operator", f"cannot be used with {self.field.value}")]
        needs_name = self.field in (RuleField.QUERY_PARAMETER, RuleField.CONTACT_PROPERTY)
        if needs_name and not self.name.strip():
            return [FieldError("name", f"must name the {self.field.value.replace('_', ' ')}")]
        if self.field is RuleField.VISITOR and self.value not in VISITOR_KINDS:
            return [FieldError("value", "must be 'known_contact' or 'unknown_visitor'")]
        if self.field is RuleField.DEVICE and self.value not in DEVICES:
            return [FieldError("value", "must be 'desktop', 'tablet' or 'mobile'")]
        valueless = (RuleOperator.ALL_PAGES, RuleOperator.IS_KNOWN, RuleOperator.IS_UNKNOWN)
        needs_value = self.operator not in valueless and self.field is RuleField.PAGE_URL
        if needs_value and not self.value.strip():
            return [FieldError("value", "must not be empty")]
        if needs_value and self.value.strip()[0] in "?#":
            return [FieldError("value", "names no page: use a query parameter rule")]
        return []


@dataclass(frozen=True)
class FilterGroup:
    """TG5: every rule of a group must hold (AND)."""

    rules: tuple[Rule, ...] = (Rule(),)

    def _check(self) -> list[FieldError]:
        return [] if self.rules else [FieldError("rules", "must have at least one rule")]


@dataclass(frozen=True)
class TargetSettings:
    """TG5: the chatflow applies when any group holds (OR) and no exclusion holds (TG3)."""

    groups: tuple[FilterGroup, ...] = (FilterGroup(),)
    exclusions: tuple[Rule, ...] = ()

    def _check(self) -> list[FieldError]:
        return [] if self.groups else [FieldError("groups", "must have at least one group")]


# ---------------------------------------------------------------- display (DS)


class DesktopBehaviour(StrEnum):
    """DS1."""

    PROMPT = "prompt"  # (a) pop the welcome message up as a prompt
    LAUNCHER = "launcher"  # (b) only the launcher
    PROMPT_THEN_OPEN = "prompt_then_open"  # (c) prompt, and open on a trigger or click


class MobileBehaviour(StrEnum):
    """DS3."""

    PROMPT = "prompt"
    LAUNCHER = "launcher"


@dataclass(frozen=True)
class Triggers:
    """DS2: when the widget appears (or, for ``prompt_then_open``, opens). All off means
    at once. Any enabled trigger firing is enough."""

    exit_intent: bool = False
    time_on_page_seconds: int | None = None
    scroll_percentage: int | None = None

    def _check(self) -> list[FieldError]:
        errors = []
        seconds = self.time_on_page_seconds
        if seconds is not None and not 0 <= seconds <= 3600:
            errors.append(FieldError("time_on_page_seconds", "must be 0 to 3600 seconds"))
        percent = self.scroll_percentage
        if percent is not None and not 1 <= percent <= 100:
            errors.append(FieldError("scroll_percentage", "must be 1 to 100 percent"))
        return errors

    @property
    def any(self) -> bool:
        return (
            self.exit_intent
            or self.time_on_page_seconds is not None
            or self.scroll_percentage is not None
        )


@dataclass(frozen=True)
class DisplaySettings:
    accent_color: str = "#ff7a59"  # CF2
    desktop: DesktopBehaviour = DesktopBehaviour.PROMPT
    mobile: MobileBehaviour = MobileBehaviour.LAUNCHER
    triggers: Triggers = field(default_factory=Triggers)

    def _check(self) -> list[FieldError]:
        if not _COLOUR.match(self.accent_color):
            return [FieldError("accent_color", 'must be a colour "#rrggbb"')]
        return []


# ---------------------------------------------------------------- options (OP)


class CookieConsentTiming(StrEnum):
    """OP3: when the chat cookie banner shows."""

    BEFORE_CHAT = "before_chat"
    ON_EXIT = "on_exit"


@dataclass(frozen=True)
class CookieConsent:
    enabled: bool = True
    timing: CookieConsentTiming = CookieConsentTiming.BEFORE_CHAT
    text: str = ""  # empty: "reset to default", the localised default text


class DataProcessingKind(StrEnum):
    """OP4."""

    EXPLICIT = "explicit"  # "I agree" before any message
    LEGITIMATE_INTEREST = "legitimate_interest"  # text shown, no click needed


@dataclass(frozen=True)
class DataProcessingConsent:
    enabled: bool = True
    kind: DataProcessingKind = DataProcessingKind.EXPLICIT
    text: str = ""
    privacy_policy_url: str = ""

    def _check(self) -> list[FieldError]:
        problem = link_problem(self.privacy_policy_url)
        return [FieldError("privacy_policy_url", problem)] if problem else []


@dataclass(frozen=True)
class CommunicationConsent:
    """OP5: a subscription checkbox; its default text names the company (see consent.py)."""

    enabled: bool = False
    subscription_type: str = ""
    text: str = ""

    def _check(self) -> list[FieldError]:
        if self.enabled and not self.subscription_type.strip():
            return [FieldError("subscription_type", "must be chosen when consent is on")]
        return []


@dataclass(frozen=True)
class CsatSettings:
    """OP7: a survey with the chat delivery method, shown when the conversation closes."""

    enabled: bool = False
    survey_id: str = ""

    def _check(self) -> list[FieldError]:
        if self.enabled and not self.survey_id:
            return [FieldError("survey_id", "must be chosen when the survey is on")]
        return []


@dataclass(frozen=True)
class OptionsSettings:
    ticket_defaults: Mapping[str, str] = field(default_factory=dict)  # OP2
    cookie_consent: CookieConsent = field(default_factory=CookieConsent)
    data_processing_consent: DataProcessingConsent = field(default_factory=DataProcessingConsent)
    communication_consent: CommunicationConsent = field(default_factory=CommunicationConsent)
    marketing_contacts: bool = False  # OP6
    csat: CsatSettings = field(default_factory=CsatSettings)


# ---------------------------------------------------------------- the chatflow


@dataclass(frozen=True)
class Workspace:
    """CF1: the inbox or helpdesk the chatflow's conversations arrive in."""

    kind: WorkspaceKind = WorkspaceKind.INBOX
    id: str = ""

    def _check(self) -> list[FieldError]:
        return [] if self.id.strip() else [FieldError("id", "must name an inbox or helpdesk")]


MAX_PRIORITY = 1_000_000


@dataclass(frozen=True)
class Chatflow:
    """A website live-agent chatflow. ``priority`` breaks ties between chatflows that
    match a page equally specifically (TG6): lower first."""

    id: str
    name: str
    workspace: Workspace
    language: Language = Language.EN
    published: bool = False  # CF3
    priority: int = 100
    build: BuildSettings = field(default_factory=BuildSettings)
    target: TargetSettings = field(default_factory=TargetSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    options: OptionsSettings = field(default_factory=OptionsSettings)

    def _check(self) -> list[FieldError]:
        errors = []
        if not self.id.strip():
            errors.append(FieldError("id", "must not be empty"))
        if not self.name.strip():
            errors.append(FieldError("name", "must not be empty"))
        elif len(self.name) > 200:
            errors.append(FieldError("name", "must be at most 200 characters"))
        if not 0 <= self.priority <= MAX_PRIORITY:
            errors.append(FieldError("priority", f"must be 0 to {MAX_PRIORITY}"))
        return errors


def chatflow_from_dict(data: Any) -> Chatflow:
    """Validate and build a chatflow from its plain-dict form (raises ``InvalidData``)."""
    return from_dict(Chatflow, data)


def chatflow_to_dict(chatflow: Chatflow) -> dict[str, Any]:
    """The plain-dict form; ``chatflow_from_dict(chatflow_to_dict(c)) == c``."""
    result: dict[str, Any] = to_dict(chatflow)
    return result


# ---------------------------------------------------------------- account defaults (CF2)


@dataclass(frozen=True)
class AccountDefaults:
    """CF2: the first-time widget set-up; new chatflows start from these."""

    accent_color: str = "#ff7a59"
    heading: HeadingSettings = field(default_factory=HeadingSettings)
    welcome_message: str = "Hi! How can we help you?"
    assignment: AssignmentSettings = field(default_factory=AssignmentSettings)
    availability: AvailabilitySettings = field(default_factory=AvailabilitySettings)

    def _check(self) -> list[FieldError]:
        probe = DisplaySettings(accent_color=self.accent_color)._check()
        probe += BuildSettings(welcome_message=self.welcome_message)._check()
        return probe


def new_chatflow(
    id: str, name: str, workspace: Workspace, defaults: AccountDefaults, **overrides: Any
) -> Chatflow:
    """A chatflow that starts from the account's widget set-up (CF2)."""
    chatflow = Chatflow(
        id=id,
        name=name,
        workspace=workspace,
        build=BuildSettings(
            welcome_message=defaults.welcome_message,
            heading=defaults.heading,
            assignment=defaults.assignment,
            availability=defaults.availability,
        ),
        display=DisplaySettings(accent_color=defaults.accent_color),
    )
    return replace(chatflow, **overrides)


# ---------------------------------------------------------------- references (CF1, CF6)


@dataclass(frozen=True)
class ReferenceContext:
    """What the account holds, for the checks that a chatflow alone cannot make."""

    chat_workspaces: Set[tuple[str, str]] = frozenset()  # (kind, id) with a chat channel
    seated_user_ids: Set[str] = frozenset()
    user_ids: Set[str] = frozenset()
    team_ids: Set[str] = frozenset()
    knowledge_base_ids: Set[str] = frozenset()
    chat_survey_ids: Set[str] = frozenset()  # surveys whose delivery method is chat


def check_references(chatflow: Chatflow, context: ReferenceContext) -> list[FieldError]:
    """CF1 and CF6: every id the chatflow names exists, and routing names only seated users."""
    errors: list[FieldError] = []
    workspace = (chatflow.workspace.kind.value, chatflow.workspace.id)
    if workspace not in context.chat_workspaces:
        errors.append(
            FieldError("workspace.id", "must be an inbox or helpdesk with a chat channel")
        )
    assignment = chatflow.build.assignment
    for i, user_id in enumerate(assignment.user_ids):
        path = join_path("build.assignment.user_ids", i)
        if user_id not in context.user_ids:
            errors.append(FieldError(path, f"no user {user_id!r}"))
        elif user_id not in context.seated_user_ids:
            errors.append(FieldError(path, f"user {user_id!r} has no seat"))
    errors += _unknown("build.assignment.team_ids", assignment.team_ids, context.team_ids, "team")
    heading = chatflow.build.heading
    errors += _unknown("build.heading.user_ids", heading.user_ids, context.user_ids, "user")
    errors += _unknown("build.heading.team_ids", heading.team_ids, context.team_ids, "team")
    kb = chatflow.build.knowledge_base
    if kb.enabled and kb.knowledge_base_id not in context.knowledge_base_ids:
        errors.append(
            FieldError("build.knowledge_base.knowledge_base_id", "no such knowledge base")
        )
    csat = chatflow.options.csat
    if csat.enabled and csat.survey_id not in context.chat_survey_ids:
        errors.append(FieldError("options.csat.survey_id", "must be a survey delivered by chat"))
    return errors


def _unknown(path: str, ids: tuple[str, ...], known: Set[str], what: str) -> list[FieldError]:
    return [
        FieldError(join_path(path, i), f"no {what} {item!r}")
        for i, item in enumerate(ids)
        if item not in known
    ]
