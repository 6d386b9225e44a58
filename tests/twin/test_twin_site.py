"""The twin check on small websites (one chatflow, two pages): what the widget shows, the
chats started from it and their routing agree chat by chat, for sites written here and for
ones hypothesis makes up."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from twin import twin_check

from .scenarios import site


def test_a_site_with_triggers_known_and_signed_in_visitors_and_a_hidden_launcher_agrees() -> None:
    scenario = site(
        mode="always",
        at_capacity="hide_launcher",
        desktop="prompt_then_open",
        seconds_trigger=20,
        exit_intent=True,
        capture="always",
        known_share=0.3,
        identified_share=0.3,
    )
    result = twin_check(scenario, replication=0, seed=1)
    shown = [chat.shown for chat in result.timeline.chats if chat.shown is not None]
    assert len(shown) >= 10
    assert {s.mode for s in shown} >= {"prompt", "open"}
    assert result.mismatches == []


def test_chats_started_while_everyone_is_on_a_break_agree() -> None:
    result = twin_check(site(mode="user_availability"), replication=0, seed=1)
    assert any(chat.shown and chat.shown.state == "away" for chat in result.timeline.chats)
    assert result.mismatches == []


@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each replay takes seconds
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    mode=st.sampled_from(["always", "user_availability", "office_hours"]),
    breaks=st.booleans(),
    at_capacity=st.sampled_from(["wait_message", "hide_launcher", "nothing"]),
    desktop=st.sampled_from(["prompt", "launcher", "prompt_then_open"]),
    mobile=st.sampled_from(["prompt", "launcher"]),
    seconds_trigger=st.one_of(st.none(), st.integers(0, 60)),
    exit_intent=st.booleans(),
    capture=st.sampled_from(["always", "when_unavailable", "never"]),
    agents=st.integers(1, 2),
    capacity=st.integers(1, 3),
    patience=st.one_of(st.none(), st.floats(0.5, 5.0)),
    known_share=st.sampled_from([0.0, 0.5]),
    identified_share=st.sampled_from([0.0, 0.3]),
    replication=st.integers(0, 3),
)
def test_small_generated_sites_agree_chat_by_chat(
    mode: str,
    breaks: bool,
    at_capacity: str,
    desktop: str,
    mobile: str,
    seconds_trigger: int | None,
    exit_intent: bool,
    capture: str,
    agents: int,
    capacity: int,
    patience: float | None,
    known_share: float,
    identified_share: float,
    replication: int,
) -> None:
    scenario = site(
        mode=mode,
        at_capacity=at_capacity,
        desktop=desktop,
        mobile=mobile,
        seconds_trigger=seconds_trigger,
        exit_intent=exit_intent,
        capture=capture,
        agents=agents,
        capacity=capacity,
        patience_minutes=patience,
        known_share=known_share,
        identified_share=identified_share,
        minutes=30.0,
        breaks=breaks,
    )
    result = twin_check(scenario, replication=replication, seed=3)
    assert result.mismatches == []
