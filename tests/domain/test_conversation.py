"""A conversation's rules: life cycle, messages, email capture, CSAT, tickets, heading, tokens."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.chatflow import (
    CsatSettings,
    EmailCapture,
    EmailCaptureWhen,
    HeadingKind,
    HeadingSettings,
    Language,
)
from reference_server.domain.consent import ConsentCheck
from reference_server.domain.conversation import (
    BRAND_ID,
    DEFAULT_TICKET_PROPERTIES,
    IDENTIFICATION_TOKEN_LIFETIME,
    MAX_MESSAGE_LENGTH,
    TRANSITIONS,
    ContactMatch,
    ConversationEvent,
    ConversationStatus,
    InvalidAnswer,
    InvalidEmail,
    InvalidMessage,
    InvalidTransition,
    Person,
    SendDecision,
    SenderKind,
    SendRefusal,
    TranscriptMessage,
    chat_heading,
    email_capture_text,
    email_key,
    initial_status,
    is_resend,
    match_contact,
    messages_after,
    next_sequence,
    normalise_email,
    refusal_text,
    sender_shown,
    should_ask_for_email,
    survey_on_close,
    ticket_properties,
    token_expires_at,
    token_valid,
    transcript_lines,
    transition,
    validate_csat_answer,
    validate_message_text,
    visitor_may_send,
)
from reference_server.domain.texts import text

S = ConversationStatus
E = ConversationEvent

# ---------------------------------------------------------------- life cycle (CV2, RT2, RT6)

# Written out independently of the module's table: every pair not listed is refused.
EXPECTED: dict[tuple[ConversationStatus, ConversationEvent], ConversationStatus] = {
    (S.WAITING, E.LEAVE_UNASSIGNED): S.UNASSIGNED,
    (S.WAITING, E.ASSIGN): S.ASSIGNED,
    (S.WAITING, E.CLAIM): S.ASSIGNED,
    (S.WAITING, E.CLOSE): S.CLOSED,
    (S.UNASSIGNED, E.QUEUE): S.WAITING,
    (S.UNASSIGNED, E.ASSIGN): S.ASSIGNED,
    (S.UNASSIGNED, E.CLAIM): S.ASSIGNED,
    (S.UNASSIGNED, E.CLOSE): S.CLOSED,
    (S.ASSIGNED, E.QUEUE): S.WAITING,
    (S.ASSIGNED, E.LEAVE_UNASSIGNED): S.UNASSIGNED,
    (S.ASSIGNED, E.TRANSFER): S.ASSIGNED,
    (S.ASSIGNED, E.CLOSE): S.CLOSED,
    (S.CLOSED, E.REOPEN): S.WAITING,
}
EVERY_PAIR = [(status, event) for status in S for event in E]


@pytest.mark.feature("RT2", "RT5")
@pytest.mark.parametrize(
    ("outcome", "status"),
    [("assigned", S.ASSIGNED), ("queued", S.WAITING), ("unassigned", S.UNASSIGNED)],
)
def test_a_new_conversation_starts_in_the_status_routing_decided(
    outcome: str, status: ConversationStatus
) -> None:
    assert initial_status(outcome) is status


@pytest.mark.feature("RT2")
def test_routings_own_outcome_enum_is_accepted() -> None:
    class Outcome(StrEnum):
        QUEUED = "queued"

    assert initial_status(Outcome.QUEUED) is S.WAITING


@pytest.mark.feature("RT2")
def test_an_unknown_routing_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown routing outcome 'parked'"):
        initial_status("parked")


@pytest.mark.feature("CV2", "RT2", "RT6")
@pytest.mark.parametrize(("status", "event"), EVERY_PAIR, ids=lambda v: str(v))
def test_every_status_and_event_is_either_a_documented_transition_or_refused(
    status: ConversationStatus, event: ConversationEvent
) -> None:
    if (status, event) in EXPECTED:
        assert transition(status, event) is EXPECTED[(status, event)]
    else:
        with pytest.raises(InvalidTransition) as refused:
            transition(status, event)
        assert (refused.value.status, refused.value.event) == (status, event)


@pytest.mark.feature("CV2")
def test_the_published_table_is_exactly_the_allowed_transitions() -> None:
    assert dict(TRANSITIONS) == EXPECTED


@pytest.mark.feature("RT6")
@pytest.mark.parametrize(
    ("status", "event", "message"),
    [
        (S.CLOSED, E.ASSIGN, "cannot assign this conversation: it is closed; reopen it first"),
        (S.CLOSED, E.TRANSFER, "cannot transfer this conversation: it is closed; reopen it first"),
        (S.CLOSED, E.CLOSE, "cannot close this conversation: it is already closed"),
        (S.ASSIGNED, E.CLAIM, "it is already assigned; transfer it instead"),
        (S.ASSIGNED, E.ASSIGN, "it is already assigned; transfer it instead"),
        (S.WAITING, E.TRANSFER, "it is waiting and nobody holds it; assign or claim it instead"),
        (S.UNASSIGNED, E.TRANSFER, "it is unassigned and nobody holds it"),
        (
            S.ASSIGNED,
            E.REOPEN,
            "cannot reopen this conversation: it is not closed (it is assigned)",
        ),
        (S.WAITING, E.QUEUE, "cannot queue this conversation: it is already waiting"),
        (S.UNASSIGNED, E.LEAVE_UNASSIGNED, "cannot unassign this conversation: it is already"),
    ],
)
def test_a_refused_transition_says_why_and_what_to_do_instead(
    status: ConversationStatus, event: ConversationEvent, message: str
) -> None:
    with pytest.raises(InvalidTransition, match=re.escape(message)):
        transition(status, event)


@pytest.mark.feature("RT6")
def test_a_refused_transition_is_a_value_error_so_endpoints_answer_4xx() -> None:
    with pytest.raises(ValueError):
        transition(S.CLOSED, E.CLAIM)


@pytest.mark.feature("CV2", "RT6")
def test_a_reopened_conversation_waits_and_can_be_claimed_again() -> None:
    status = initial_status("assigned")
    for event in (E.TRANSFER, E.CLOSE, E.REOPEN, E.CLAIM):
        status = transition(status, event)
    assert status is S.ASSIGNED


# ---------------------------------------------------------------- messages (CV1)


@pytest.mark.feature("CV1")
@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Hello", "Hello"),
        ("  Hello\n", "Hello"),
        ("Line one\nLine two", "Line one\nLine two"),
        ("x" * MAX_MESSAGE_LENGTH, "x" * MAX_MESSAGE_LENGTH),
        ("  " + "x" * MAX_MESSAGE_LENGTH + "  ", "x" * MAX_MESSAGE_LENGTH),
    ],
)
def test_message_text_is_stored_stripped(raw: str, stored: str) -> None:
    assert validate_message_text(raw) == stored


@pytest.mark.feature("CV1")
@pytest.mark.parametrize(
    ("raw", "reason"),
    [("", "empty"), (" \n\t", "empty"), ("x" * (MAX_MESSAGE_LENGTH + 1), "at most 5000")],
)
def test_empty_or_too_long_messages_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidMessage, match=reason):
        validate_message_text(raw)


@pytest.mark.feature("CV1")
@pytest.mark.parametrize(("last", "following"), [(0, 1), (1, 2), (41, 42)])
def test_sequence_numbers_start_at_one_and_count_up(last: int, following: int) -> None:
    assert next_sequence(last) == following


@pytest.mark.feature("CV1")
def test_a_negative_last_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="never negative"):
        next_sequence(-1)


@pytest.mark.feature("CV1")
@pytest.mark.parametrize(
    ("known", "client_id", "resend"),
    [
        (frozenset({"c1", "c2"}), "c2", True),
        (frozenset({"c1"}), "c3", False),
        (frozenset(), "c1", False),
        (frozenset({""}), "", False),  # no client id: never deduplicated
    ],
)
def test_a_client_id_seen_before_marks_a_resend(
    known: frozenset[str], client_id: str, resend: bool
) -> None:
    assert is_resend(known, client_id) is resend


@dataclass(frozen=True)
class Stored:
    sequence: int
    text: str


HISTORY = (Stored(1, "hi"), Stored(2, "hello"), Stored(3, "how can I help?"))


@pytest.mark.feature("CV1")
@pytest.mark.parametrize(
    ("after", "texts"),
    [(0, ["hi", "hello", "how can I help?"]), (2, ["how can I help?"]), (3, []), (9, [])],
)
def test_a_reconnecting_client_gets_exactly_what_came_after_its_last_sequence(
    after: int, texts: list[str]
) -> None:
    assert [message.text for message in messages_after(HISTORY, after)] == texts


# ---------------------------------------------------------------- email capture (BD2, OP6, OP8)

W = EmailCaptureWhen


@pytest.mark.feature("BD2", "OP8")
@pytest.mark.parametrize(
    ("when", "available", "identified", "known", "ask"),
    [
        (W.ALWAYS, True, False, False, True),
        (W.ALWAYS, False, False, False, True),
        (W.WHEN_UNAVAILABLE, False, False, False, True),
        (W.WHEN_UNAVAILABLE, True, False, False, False),
        (W.NEVER, False, False, False, False),
        (W.NEVER, True, False, False, False),
        (W.ALWAYS, False, True, False, False),  # OP8: identified visitors are never asked
        (W.WHEN_UNAVAILABLE, False, True, False, False),
        (W.ALWAYS, False, False, True, False),  # the address is already known
        (W.WHEN_UNAVAILABLE, False, False, True, False),
    ],
)
def test_the_visitor_is_asked_for_an_email_as_the_setting_says(
    when: EmailCaptureWhen, available: bool, identified: bool, known: bool, ask: bool
) -> None:
    capture = EmailCapture(when=when)
    assert should_ask_for_email(capture, available, identified, known) is ask


@pytest.mark.feature("BD2", "OP1")
@pytest.mark.parametrize("language", list(Language))
def test_the_email_prompt_uses_the_chatflows_text_or_the_localised_default(
    language: Language,
) -> None:
    custom = EmailCapture(message="Your email, please")
    assert email_capture_text(custom, language) == "Your email, please"
    default = text(language, "email_capture.default")
    assert email_capture_text(EmailCapture(message=""), language) == default


@pytest.mark.feature("BD2")
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ola@example.com", "ola@example.com"),
        ("  Ola.Nordmann@Example.NO \n", "Ola.Nordmann@example.no"),
        ("a+tag@sub.Example.co.uk", "a+tag@sub.example.co.uk"),
        ("ÆRLIG@Bølle.NO", "ÆRLIG@bølle.no"),
    ],
)
def test_an_email_is_stored_with_its_domain_lower_cased_and_its_name_as_typed(
    typed: str, stored: str
) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.feature("BD2")
@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "exactly one @"),
        ("ola.example.com", "exactly one @"),
        ("ola@@example.com", "exactly one @"),
        ("ola@home@example.com", "exactly one @"),
        ("@example.com", "name before the @"),
        ("ola@", "domain"),
        ("ola@localhost", "domain"),
        ("ola@.example.com", "domain"),
        ("ola@example.com.", "domain"),
        ("ola@example..com", "domain"),
        ("ola nordmann@example.com", "no spaces"),
        ("ola@exa\tmple.com", "no spaces"),
        ("o" * 243 + "@example.com", "at most 254"),
    ],
)
def test_a_malformed_email_is_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidEmail, match=reason):
        normalise_email(typed)


@pytest.mark.feature("BD2")
def test_an_email_of_exactly_254_characters_is_accepted() -> None:
    address = "o" * 242 + "@example.com"
    assert len(address) == 254
    assert normalise_email(address) == address


LOCAL = st.text(string.ascii_letters + string.digits + ".+_-", min_size=1, max_size=30)
LABEL = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
DOMAIN = st.lists(LABEL, min_size=2, max_size=4).map(".".join)


@pytest.mark.feature("BD2")
@settings(max_examples=200)
@given(local=LOCAL, domain=DOMAIN, padding=st.sampled_from(["", " ", "\n", " \t "]))
def test_normalising_keeps_the_name_lowers_the_domain_and_is_idempotent(
    local: str, domain: str, padding: str
) -> None:
    stored = normalise_email(f"{padding}{local}@{domain}{padding}")
    assert stored == f"{local}@{domain.lower()}"
    assert normalise_email(stored) == stored


@pytest.mark.feature("BD2")
@settings(max_examples=200)
@given(st.text(max_size=40))
def test_any_text_is_either_refused_or_stored_as_one_clean_address(typed: str) -> None:
    try:
        stored = normalise_email(typed)
    except InvalidEmail:
        return
    local, _, domain = stored.partition("@")
    assert stored.count("@") == 1 and local and "." in domain
    assert not any(char.isspace() for char in stored)
    assert domain == domain.lower()


CONTACTS = {"ola@example.com": "contact-1", "Kari@Example.NO": "contact-2"}


@pytest.mark.feature("BD2", "OP6")
@pytest.mark.parametrize(
    ("email", "marketing", "match"),
    [
        (
            "ola@example.com",
            False,
            ContactMatch("contact-1", create=False, marketing_contact=False),
        ),
        ("OLA@EXAMPLE.COM", True, ContactMatch("contact-1", create=False, marketing_contact=False)),
        (
            "kari@example.no",
            False,
            ContactMatch("contact-2", create=False, marketing_contact=False),
        ),
        ("per@example.com", False, ContactMatch(None, create=True, marketing_contact=False)),
        ("per@example.com", True, ContactMatch(None, create=True, marketing_contact=True)),
    ],
)
def test_an_email_links_its_contact_ignoring_case_or_creates_one(
    email: str, marketing: bool, match: ContactMatch
) -> None:
    assert match_contact(email, CONTACTS, marketing) == match


@pytest.mark.feature("BD2", "OP6")
@settings(max_examples=200)
@given(
    local=LOCAL,
    domain=DOMAIN,
    flips=st.lists(st.booleans(), min_size=82, max_size=82),  # the longest address
    marketing=st.booleans(),
    keyed=st.booleans(),
)
def test_any_change_of_case_in_the_whole_address_still_finds_the_same_contact(
    local: str, domain: str, flips: list[bool], marketing: bool, keyed: bool
) -> None:
    address = f"{local}@{domain}"
    typed = "".join(
        c.swapcase() if flip else c for c, flip in zip(address, flips[: len(address)], strict=True)
    )
    stored_as = email_key(address) if keyed else address  # keyed store or free-form keys
    contacts = {"some!one@else.org": "other", stored_as: "contact-9"}  # "!" is never generated
    assert match_contact(typed, contacts, marketing) == ContactMatch("contact-9", False, False)
    assert match_contact("x" + typed, {stored_as: "contact-9"}, marketing) == ContactMatch(
        None, True, marketing
    )


# ---------------------------------------------------------------- satisfaction survey (OP7)


@pytest.mark.feature("OP7")
@pytest.mark.parametrize(
    ("csat", "survey"),
    [
        (CsatSettings(enabled=True, survey_id="s1"), "s1"),
        (CsatSettings(enabled=False, survey_id="s1"), None),
        (CsatSettings(enabled=True, survey_id=""), None),
        (CsatSettings(), None),
    ],
)
def test_the_chat_survey_shows_on_close_only_when_switched_on(
    csat: CsatSettings, survey: str | None
) -> None:
    assert survey_on_close(csat) == survey


@pytest.mark.feature("OP7")
@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_every_rating_from_one_to_five_is_stored_with_its_comment_stripped(rating: int) -> None:
    assert validate_csat_answer(rating, "  Quick and kind \n") == (rating, "Quick and kind")


@pytest.mark.feature("OP7")
def test_a_rating_without_a_comment_is_an_answer() -> None:
    assert validate_csat_answer(5, "") == (5, "")


@pytest.mark.feature("OP7")
@pytest.mark.parametrize(
    ("rating", "comment", "reason"),
    [
        (0, "", "from 1 to 5"),
        (6, "", "from 1 to 5"),
        (-3, "", "from 1 to 5"),
        (True, "", "from 1 to 5"),
        (3, "x" * 2001, "at most 2000"),
    ],
)
def test_a_rating_off_the_scale_or_an_overlong_comment_is_refused(
    rating: int, comment: str, reason: str
) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        validate_csat_answer(rating, comment)


@pytest.mark.feature("OP7")
def test_a_comment_of_exactly_2000_characters_is_accepted() -> None:
    assert validate_csat_answer(4, "y" * 2000) == (4, "y" * 2000)


# ---------------------------------------------------------------- tickets (OP2, CV3)


@pytest.mark.feature("OP2", "CV3")
def test_a_ticket_from_a_chatflow_without_defaults_gets_the_products_defaults() -> None:
    assert ticket_properties({}, "Order 123 is late") == {
        "pipeline": "support",
        "stage": "new",
        "priority": "medium",
        "source": "chat",
        "subject": "Order 123 is late",
    }


@pytest.mark.feature("OP2", "CV3")
def test_the_chatflows_ticket_defaults_override_the_products_and_add_their_own() -> None:
    defaults = {"priority": "high", "pipeline": "billing", "owner": "u7", "subject": "ignored"}
    properties = ticket_properties(defaults, "Refund")
    assert properties == {
        "pipeline": "billing",
        "stage": "new",
        "priority": "high",
        "source": "chat",
        "owner": "u7",
        "subject": "Refund",
    }


@pytest.mark.feature("OP2")
def test_the_product_defaults_cannot_be_changed_by_a_caller() -> None:
    ticket_properties({"priority": "urgent"}, "x")["stage"] = "closed"
    assert DEFAULT_TICKET_PROPERTIES["stage"] == "new"
    with pytest.raises(TypeError):
        DEFAULT_TICKET_PROPERTIES["stage"] = "closed"  # type: ignore[index]


# ---------------------------------------------------------------- heading and alias (BD3, BD4)

ANNA = Person("u1", "Anna", "https://cdn/anna.png")
BO = Person("u2", "Bo")
CARL = Person("u3", "Carl")
DINA = Person("u4", "Dina")
USERS = {p.id: p for p in (ANNA, BO, CARL, DINA)}
TEAMS = {"t-support": (BO, CARL), "t-sales": (CARL, DINA)}
BRANDED = HeadingSettings(
    kind=HeadingKind.BRANDING, brand_name="Acme", brand_avatar_url="https://cdn/acme.png"
)
ALIASED = HeadingSettings(
    kind=HeadingKind.BRANDING,
    brand_name="Acme",
    brand_avatar_url="https://cdn/acme.png",
    brand_alias=True,
)
ACME = Person(BRAND_ID, "Acme", "https://cdn/acme.png")


@pytest.mark.feature("BD3")
@pytest.mark.parametrize(
    ("user_ids", "team_ids", "shown"),
    [
        (("u1",), (), (ANNA,)),
        (("u1",), ("t-support",), (ANNA, BO, CARL)),
        (("u3",), ("t-support", "t-sales"), (CARL, BO, DINA)),  # each person once
        (("gone", "u2"), ("t-gone", "t-sales"), (BO, CARL, DINA)),  # unknown ids skipped
        ((), (), ()),
    ],
)
def test_a_users_and_teams_heading_shows_the_named_users_then_team_members_once(
    user_ids: tuple[str, ...], team_ids: tuple[str, ...], shown: tuple[Person, ...]
) -> None:
    heading = HeadingSettings(user_ids=user_ids, team_ids=team_ids)
    assert chat_heading(heading, USERS, TEAMS, contact_owner=DINA) == shown


@pytest.mark.feature("BD3", "RT4")
def test_a_contact_owner_heading_shows_the_owner() -> None:
    heading = HeadingSettings(kind=HeadingKind.CONTACT_OWNER, user_ids=("u1",))
    assert chat_heading(heading, USERS, TEAMS, contact_owner=DINA) == (DINA,)


@pytest.mark.feature("BD3")
def test_a_contact_owner_heading_falls_back_to_the_users_and_teams_without_an_owner() -> None:
    heading = HeadingSettings(
        kind=HeadingKind.CONTACT_OWNER, user_ids=("u1",), team_ids=("t-support",)
    )
    assert chat_heading(heading, USERS, TEAMS, contact_owner=None) == (ANNA, BO, CARL)


@pytest.mark.feature("BD3")
def test_a_branding_heading_shows_the_brand_alone() -> None:
    heading = HeadingSettings(
        kind=HeadingKind.BRANDING,
        user_ids=("u1",),
        brand_name="Acme",
        brand_avatar_url="https://cdn/acme.png",
    )
    assert chat_heading(heading, USERS, TEAMS, contact_owner=DINA) == (ACME,)


@pytest.mark.feature("BD4")
@pytest.mark.parametrize(
    ("heading", "shown"), [(ALIASED, ACME), (BRANDED, ANNA), (HeadingSettings(), ANNA)]
)
def test_the_branding_alias_replaces_the_agent_as_sender(
    heading: HeadingSettings, shown: Person
) -> None:
    assert sender_shown(heading, ANNA) == shown


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 1, 5, hour, minute, 30, tzinfo=UTC)


CONVERSATION = (
    TranscriptMessage(SenderKind.VISITOR, "v1", "Hi, my order is late", at(9, 14)),
    TranscriptMessage(SenderKind.AGENT, "u1", "Sorry! Let me check.", at(9, 15)),
    TranscriptMessage(SenderKind.AGENT, "u-deleted", "It ships today.", at(9, 20)),
    TranscriptMessage(SenderKind.SYSTEM, "", "Conversation closed", at(10, 2)),
)


@pytest.mark.feature("CV5")
def test_a_transcript_has_one_dated_line_per_message_naming_the_sender() -> None:
    assert transcript_lines(CONVERSATION, HeadingSettings(), USERS, "Ola") == (
        "2026-01-05 09:14 Ola: Hi, my order is late",
        "2026-01-05 09:15 Anna: Sorry! Let me check.",
        "2026-01-05 09:20 u-deleted: It ships today.",  # a deleted agent is named by id
        "2026-01-05 10:02 Conversation closed",
    )


@pytest.mark.feature("CV5", "BD4")
def test_a_transcript_with_the_branding_alias_shows_the_brand_for_every_agent() -> None:
    assert transcript_lines(CONVERSATION, ALIASED, USERS, "Ola") == (
        "2026-01-05 09:14 Ola: Hi, my order is late",
        "2026-01-05 09:15 Acme: Sorry! Let me check.",
        "2026-01-05 09:20 Acme: It ships today.",
        "2026-01-05 10:02 Conversation closed",
    )


@pytest.mark.feature("CV5")
def test_an_empty_conversation_has_an_empty_transcript() -> None:
    assert transcript_lines((), HeadingSettings(), USERS, "Ola") == ()


# ---------------------------------------------------------------- identification tokens (CV7)

ISSUED = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)


@pytest.mark.feature("CV7")
def test_an_identification_token_expires_twelve_hours_after_it_was_issued() -> None:
    assert timedelta(hours=12) == IDENTIFICATION_TOKEN_LIFETIME
    assert token_expires_at(ISSUED) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


@pytest.mark.feature("CV7")
@pytest.mark.parametrize(
    ("age", "valid"),
    [
        (timedelta(0), True),
        (timedelta(hours=11, minutes=59, seconds=59, microseconds=999_999), True),
        (timedelta(hours=12), False),  # exactly at expiry: no longer valid
        (timedelta(hours=12, microseconds=1), False),
        (timedelta(days=3), False),
    ],
)
def test_a_token_is_valid_strictly_before_its_expiry(age: timedelta, valid: bool) -> None:
    assert token_valid(ISSUED, ISSUED + age) is valid


@pytest.mark.feature("CV7")
@settings(max_examples=200)
@given(seconds=st.integers(min_value=0, max_value=3 * 24 * 3600))
def test_token_validity_agrees_with_its_expiry_time(seconds: int) -> None:
    now = ISSUED + timedelta(seconds=seconds)
    assert token_valid(ISSUED, now) is (now < token_expires_at(ISSUED))
    assert token_valid(ISSUED, now) is (seconds < 12 * 3600)


# ---------------------------------------------------------------- may the visitor write? (OP4)


@pytest.mark.feature("OP4", "CV1")
@pytest.mark.parametrize(
    ("status", "check", "decision"),
    [
        (None, ConsentCheck(allowed=True), SendDecision(allowed=True)),
        (ConversationStatus.ASSIGNED, ConsentCheck(allowed=True), SendDecision(allowed=True)),
        (
            None,
            ConsentCheck(allowed=False, missing=("data_processing",)),
            SendDecision(False, SendRefusal.CONSENT_REQUIRED, ("data_processing",)),
        ),
        (
            ConversationStatus.WAITING,
            ConsentCheck(allowed=False, missing=("data_processing",)),
            SendDecision(False, SendRefusal.CONSENT_REQUIRED, ("data_processing",)),
        ),
        (
            ConversationStatus.CLOSED,
            ConsentCheck(allowed=False, missing=("data_processing",)),
            SendDecision(False, SendRefusal.CONVERSATION_CLOSED),
        ),
        (
            ConversationStatus.CLOSED,
            ConsentCheck(allowed=True),
            SendDecision(False, SendRefusal.CONVERSATION_CLOSED),
        ),
    ],
)
def test_the_visitor_may_write_unless_consent_is_missing_or_the_conversation_ended(
    status: ConversationStatus | None, check: ConsentCheck, decision: SendDecision
) -> None:
    assert visitor_may_send(status, check) == decision


@pytest.mark.feature("OP1", "OP4")
def test_a_refusal_is_explained_in_the_conversations_language() -> None:
    assert refusal_text(SendRefusal.CONSENT_REQUIRED, Language.EN) == (
        "Please agree to the terms above before you send a message."
    )
    assert refusal_text(SendRefusal.CONVERSATION_CLOSED, Language.NB) == (
        "Denne samtalen er avsluttet."
    )
