"""The one interface every target implements, and the runner that plays a scenario on it.

A :class:`Driver` does the actions (one method per step action, named after it) and answers
observations in one plain form (:meth:`Driver.widget`, :meth:`Driver.chat`, …); the runner
compares them with the expectations, so a scenario means the same on every target. A target
that cannot express a step says why in :meth:`Driver.cannot`: the runner then reports the
scenario as skipped on that target, naming every such step, and plays none of it (a partly
played scenario would pass what it never checked).
"""

from __future__ import annotations

from typing import Any, Protocol

from .model import Expectations, Scenario, Step

__all__ = ["Driver", "ScenarioSkipped", "StepFailed", "compare", "run_scenario"]


class ScenarioSkipped(Exception):
    """The target cannot express some steps of the scenario (the message names them)."""


class StepFailed(AssertionError):
    """A step's expectation did not hold (or its action was refused)."""


class Driver(Protocol):
    """A target: ``family`` is ``server`` or ``simulator`` (a scenario's ``xfail`` keys)."""

    family: str

    def cannot(self, step: Step) -> str | None:
        """Why this target cannot express ``step`` (None: it can)."""

    def setup(self, scenario: Scenario) -> None: ...

    def act(self, action: str, value: Any) -> None:
        """Do one step action (``action`` is its key in the step)."""

    def widget(self, visitor: str) -> dict[str, Any] | None:
        """What the visitor's widget shows after the last page view (None: no widget)."""

    def cookies(self, visitor: str) -> dict[str, float]:
        """The visitor's live cookies: name → the lifetime they were set with (seconds)."""

    def chat(self, name: str) -> dict[str, Any]:
        """``status``, ``assignee`` (a user's name or None), ``agent_seen``, ``email_known``."""

    def queue(self) -> list[str]:
        """The waiting chats by name, longest-waiting first."""

    def messages(self, chat: str) -> list[str]: ...

    def ticket(self, chat: str) -> dict[str, Any] | None: ...

    def contact(self, email: str) -> dict[str, Any] | None:
        """``marketing`` and ``owner`` (a user's name or None); None: no such contact."""

    def survey_ratings(self, survey: str) -> list[int]: ...

    def close(self) -> None: ...


def run_scenario(driver: Driver, scenario: Scenario) -> None:
    """Play ``scenario`` on ``driver``; raises :class:`ScenarioSkipped` before anything runs
    when a step cannot be expressed, :class:`StepFailed` at the first step that fails."""
    reasons = []
    for number, step in enumerate(scenario.steps, 1):
        why = driver.cannot(step)
        if why:
            reasons.append(f"step {number} ({step.action or 'expect'}): {why}")
    if reasons:
        raise ScenarioSkipped("; ".join(reasons))
    try:
        driver.setup(scenario)
    except AssertionError as error:
        driver.close()
        raise StepFailed(f"set-up: {error}") from None
    try:
        for number, step in enumerate(scenario.steps, 1):
            try:
                if step.action is not None:
                    driver.act(step.action, getattr(step, step.action))
                if step.expect is not None:
                    check(driver, step.expect)
            except AssertionError as error:
                raise StepFailed(f"step {number} ({step.action or 'expect'}): {error}") from None
    finally:
        driver.close()


def check(driver: Driver, expect: Expectations) -> None:
    for widget in expect.widget:
        seen = driver.widget(widget.visitor)
        if not widget.shown:
            assert seen is None, f"{widget.visitor}'s page shows a widget ({seen['chatflow']})"
            continue
        assert seen is not None, f"{widget.visitor}'s page shows no widget"
        wanted = widget.model_dump(exclude={"visitor", "shown", "texts"}, exclude_defaults=True)
        compare(wanted, seen, f"{widget.visitor}'s widget")
        for key, part in widget.texts.items():
            text = seen["texts"].get(key)
            assert text is not None and part in text, (
                f"{widget.visitor}'s widget text {key} is {text!r}, without {part!r}"
            )
    for cookies in expect.cookies:
        held = driver.cookies(cookies.visitor)
        for name, lifetime in cookies.has.items():
            assert name in held, f"{cookies.visitor} has no cookie {name} (has {sorted(held)})"
            assert held[name] == lifetime, (
                f"{cookies.visitor}'s cookie {name} lives {held[name]:g}s, not {lifetime:g}s"
            )
        for name in cookies.lacks:
            assert name not in held, f"{cookies.visitor} has the cookie {name}"
    for chat in expect.chats:
        wanted = chat.model_dump(exclude={"chat"}, exclude_none=True)
        if "assignee" in chat.model_fields_set:
            wanted["assignee"] = chat.assignee
        compare(wanted, driver.chat(chat.chat), f"chat {chat.chat}")
    if expect.queue is not None:
        queue = driver.queue()
        assert queue == expect.queue, f"the queue is {queue}, not {expect.queue}"
    for messages in expect.messages:
        texts = driver.messages(messages.chat)
        assert texts == messages.texts, f"chat {messages.chat} shows {texts}"
    for ticket in expect.tickets:
        found = driver.ticket(ticket.chat)
        if not ticket.exists:
            assert found is None, f"chat {ticket.chat} has a ticket"
            continue
        assert found is not None, f"chat {ticket.chat} has no ticket"
        compare(ticket.fields, found, f"the ticket of chat {ticket.chat}")
    for contact in expect.contacts:
        person = driver.contact(contact.email)
        if not contact.exists:
            assert person is None, f"there is a contact {contact.email}"
            continue
        assert person is not None, f"there is no contact {contact.email}"
        wanted = contact.model_dump(exclude={"email", "exists"}, exclude_none=True)
        compare(wanted, person, f"contact {contact.email}")
    for survey in expect.surveys:
        ratings = driver.survey_ratings(survey.survey)
        assert ratings == survey.ratings, f"survey {survey.survey} holds ratings {ratings}"


def compare(wanted: Any, seen: Any, where: str) -> None:
    """``wanted`` is a subset of ``seen``: dicts key by key, lists item by item; a key ending
    in ``_contains`` asks for a part of a text (its field is the name without it)."""
    if isinstance(wanted, dict):
        assert isinstance(seen, dict), f"{where}: {seen!r} is not an object"
        for key, value in wanted.items():
            if key.endswith("_contains") and key not in seen:
                field = key.removesuffix("_contains")
                text = str(seen.get(field, ""))
                assert str(value) in text, f"{where}: {field} {text!r} lacks {value!r}"
                continue
            assert key in seen, f"{where}: no {key} (has {sorted(seen)})"
            compare(value, seen[key], f"{where}.{key}")
        return
    if isinstance(wanted, list) and isinstance(seen, list):
        assert len(wanted) == len(seen), f"{where}: {len(seen)} items, not {len(wanted)}: {seen}"
        for number, (one, other) in enumerate(zip(wanted, seen, strict=True)):
            compare(one, other, f"{where}[{number}]")
        return
    assert wanted == seen, f"{where} is {seen!r}, not {wanted!r}"
