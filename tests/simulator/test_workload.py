"""An agent's workload (SIM3): a chat taken away before its work is done (the agent closed
it, as a scenario suite's ``close`` step does) leaves the others' progress as it was."""

from __future__ import annotations

import pytest

from simulator.agents import Workload


@pytest.mark.feature("SIM3")
def test_a_chat_removed_early_leaves_the_others_on_their_way() -> None:
    workload = Workload([0.0, 1.0, 0.5])  # two chats at once: each at half speed
    first, second = object(), object()
    workload.add(0.0, first, 10.0)
    workload.add(0.0, second, 4.0)
    # At minute 4 each has had 2 minutes of work; the agent closes the second.
    assert workload.remove(4.0, second) is True
    assert workload.chats() == [first]
    assert workload.next_delay() == pytest.approx(8.0)  # 8 minutes left, alone at speed 1
    assert workload.remove(5.0, first) is False
    assert len(workload) == 0
