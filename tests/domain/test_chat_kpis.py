"""Tests of the chat KPIs a server reports over a window (counted as the simulator counts)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.domain.chat_kpis import ChatTimes, chat_kpis, percentile

pytestmark = pytest.mark.feature("QA2")


def test_answered_abandoned_and_waiting_chats_are_told_apart() -> None:
    kpis = chat_kpis(
        [
            ChatTimes(arrived=0.0, taken=10.0, ended=300.0),
            ChatTimes(arrived=5.0, taken=95.0),
            ChatTimes(arrived=20.0, ended=80.0),
            ChatTimes(arrived=30.0),
        ],
        service_level_seconds=30.0,
    )
    assert (kpis.chats, kpis.offered, kpis.answered, kpis.abandoned, kpis.waiting) == (
        4,
        3,
        2,
        1,
        1,
    )
    # Only the first was answered within 30 s; the abandoned chat stays in the denominator.
    assert kpis.answered_in_time == 1
    assert kpis.service_level == 1 / 3
    assert kpis.abandonment == 1 / 3
    # Waits of offered chats: 10, 90 and 60 (the abandoned one until it left).
    assert kpis.mean_wait_seconds == 160 / 3
    assert dict(kpis.wait_percentiles_seconds)[50.0] == 60.0


def test_a_wait_exactly_at_the_threshold_is_in_time() -> None:
    kpis = chat_kpis([ChatTimes(arrived=1.5, taken=61.5)], service_level_seconds=60.0)
    assert kpis.service_level == 1.0


def test_a_window_without_offered_chats_has_no_ratios() -> None:
    kpis = chat_kpis([ChatTimes(arrived=0.0)], service_level_seconds=60.0, percentiles=(90.0,))
    assert kpis.waiting == 1
    assert kpis.service_level is None
    assert kpis.abandonment is None
    assert kpis.mean_wait_seconds is None
    assert kpis.wait_percentiles_seconds == ((90.0, None),)


def test_percentiles_interpolate_between_ranks_as_numpy_does() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50.0) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 90.0) == 3.7
    assert percentile([7.0], 95.0) == 7.0
    assert percentile([], 50.0) is None


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=30), st.floats(0, 100))
def test_a_percentile_lies_between_the_smallest_and_largest_value(
    values: list[float], q: float
) -> None:
    found = percentile(values, q)
    assert found is not None
    assert min(values) <= found <= max(values)
