"""Which kept reads a write moves on (store/write_watch.py): the page view's kept reads are
exact only if every write that may change them is seen, and cheap only if the writes of a
chat's messages are not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reference_server.store import schema as t
from reference_server.store import write_watch
from reference_server.store.write_watch import (
    ACCOUNT,
    VISITORS,
    Versions,
    topics_of,
    visitor_topic,
)

_c, _v = t.conversations, t.visitors


def test_a_chats_message_bookkeeping_moves_nothing_its_assignment_moves_the_account() -> None:
    sequence = _c.update().where(_c.c.id == "cnv_1").values(last_sequence=_c.c.last_sequence + 1)
    assert topics_of(sequence, None) == set()
    assigned = _c.update().where(_c.c.id == "cnv_1").values(status="assigned", assignee_id="u")
    assert topics_of(assigned, None) == {ACCOUNT}
    by_params = _c.update().where(_c.c.id == sa.bindparam("cid"))
    assert topics_of(by_params, {"cid": "cnv_1", "status": "closed"}) == {ACCOUNT}
    assert topics_of(_c.update().where(_c.c.id == "cnv_1"), None) == {ACCOUNT, VISITORS}


def test_a_new_conversation_moves_the_account_and_its_visitor() -> None:
    made = _c.insert().values(id="cnv_1", account_id="acc", visitor_id="vis_1", status="waiting")
    assert topics_of(made, None) == {ACCOUNT, visitor_topic("vis_1")}
    assert topics_of(_c.delete(), None) == {ACCOUNT, VISITORS}


def test_a_visitor_written_by_id_moves_that_visitor_only() -> None:
    seen = _v.update().where(_v.c.id == "vis_1").values(consent_cookies=True)
    assert topics_of(seen, None) == {visitor_topic("vis_1")}
    assert topics_of(_v.update().where(_v.c.contact_id == "c"), None) == {VISITORS}
    assert topics_of(_v.insert().values(id="vis_2"), None) == set()


def test_reads_move_nothing_and_other_text_moves_everything() -> None:
    assert topics_of(sa.select(_v.c.id), None) == set()
    assert topics_of(sa.text("SELECT 1"), None) == set()
    assert topics_of(sa.text("DELETE FROM visitors"), None) == {write_watch.EVERYTHING}
    assert topics_of(t.users.update().values(status="away"), None) == {ACCOUNT}


def test_everything_moved_makes_every_kept_read_stale() -> None:
    versions = Versions()
    versions.move([visitor_topic("vis_1")])
    stamp = versions.stamp()
    assert versions.unchanged(stamp, ACCOUNT, visitor_topic("vis_1"))
    versions.move([write_watch.EVERYTHING])
    assert not versions.unchanged(stamp, ACCOUNT)
    assert not versions.unchanged(stamp, visitor_topic("vis_1"))


def test_a_forgotten_topic_makes_what_was_kept_under_it_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(write_watch, "_MAX_TOPICS", 2)
    versions = Versions()
    versions.move([visitor_topic("vis_1")])
    stamp = versions.stamp()
    versions.move([visitor_topic("vis_1"), visitor_topic("vis_2"), visitor_topic("vis_3")])
    assert not versions.unchanged(stamp, visitor_topic("vis_1"))  # forgotten: read again
    assert not versions.unchanged(stamp, visitor_topic("vis_9"))  # never moved, kept before
