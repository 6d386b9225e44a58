"""A socket torn down while a frame is handled: that frame is still handled to the end (a
message being stored is not cut short), and no later frame is taken."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson

from reference_server.realtime.socket import FrameIn, SocketSession


class _Client:
    """The socket's far end: frames it has sent, then silence (an open socket)."""

    def __init__(self, *frames: dict[str, Any]) -> None:
        self.scope = {"state": {"server": SimpleNamespace(extras={})}}  # as the lifespan sets it
        self._frames = [
            {"type": "websocket.receive", "text": orjson.dumps(f).decode()} for f in frames
        ]

    async def receive(self) -> dict[str, Any]:
        if self._frames:
            return self._frames.pop(0)
        await asyncio.Event().wait()  # nothing more comes
        raise AssertionError("unreachable")


class _Session(SocketSession):
    def __init__(self, client: _Client) -> None:
        super().__init__(client)  # type: ignore[arg-type]
        self.release = asyncio.Event()
        self.started: list[str] = []
        self.finished: list[str] = []
        self.handlers = {"store": (FrameIn, self.on_store)}

    async def on_store(self, frame: FrameIn) -> None:
        assert frame.ref is not None
        self.started.append(frame.ref)
        await self.release.wait()  # e.g. waiting for the commit
        self.finished.append(frame.ref)


async def test_a_frame_in_hand_is_finished_when_the_socket_is_torn_down() -> None:
    session = _Session(_Client({"type": "store", "ref": "1"}, {"type": "store", "ref": "2"}))
    loop = asyncio.create_task(session.receive_loop())
    while not session.started:
        await asyncio.sleep(0)
    loop.cancel()
    await asyncio.wait({loop})
    session.release.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert session.finished == ["1"]  # finished, and the next frame was not taken
    assert session.started == ["1"]


async def test_a_socket_torn_down_while_waiting_for_a_frame_stops_reading() -> None:
    session = _Session(_Client())
    loop = asyncio.create_task(session.receive_loop())
    for _ in range(5):
        await asyncio.sleep(0)
    loop.cancel()
    await asyncio.wait({loop})
    for _ in range(5):
        await asyncio.sleep(0)
    assert session.gone
    assert session.server.extras["open-sockets"]["socket"] == 0
