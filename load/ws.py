"""WebSocket steps as Locust requests.

:class:`Socket` holds one WebSocket (``websocket-client``, which gevent makes cooperative)
and a greenlet that reads its frames into a queue. Every step a user waits for is fired as
a Locust ``request`` event of type ``WS``, so it shows in Locust's statistics, CSV and HTML
beside the HTTP calls: the connection (until the server's ``ready``), a frame answered by
another (``start`` → ``started``, ``message`` → ``ack``), a message delivered from one side to
the other. ``name`` groups them as ``name=`` groups templated URLs.

:data:`OPEN` counts this process's open sockets; :func:`record_connections` writes it to a
CSV file once a second for the report.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import websocket
from gevent.queue import Empty, Queue
from locust.env import Environment

__all__ = ["OPEN", "Socket", "StepFailed", "fire", "record_connections"]

Frame = dict[str, Any]
OPEN = {"visitor": 0, "agent": 0}


class StepFailed(Exception):
    """A WebSocket step did not happen as expected (its message says what came instead)."""


def fire(
    environment: Environment,
    name: str,
    started: float,
    *,
    length: int = 0,
    error: BaseException | None = None,
) -> None:
    """Report a step that began at ``started`` (``time.perf_counter()``) as a request."""
    environment.events.request.fire(  # type: ignore[no-untyped-call]
        request_type="WS",
        name=name,
        response_time=(time.perf_counter() - started) * 1000.0,
        response_length=length,
        exception=error,
        context={},
    )


class Socket:
    """One open WebSocket of kind ``visitor`` or ``agent``."""

    def __init__(self, environment: Environment, url: str, kind: str, name: str) -> None:
        self.environment = environment
        self.kind = kind
        self.frames: Queue[Frame | None] = Queue()
        self.closed = False
        self.backlog: list[Frame] = []
        started = time.perf_counter()
        try:
            self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        except Exception as error:  # refused, reset, timed out: all count as a failed connect
            fire(environment, name, started, error=error)
            raise StepFailed(f"connect: {error}") from error
        OPEN[kind] += 1
        self.reader = gevent.spawn(self._read)
        ready = self.wait_for(lambda f: f.get("type") == "ready", 30.0)
        if ready is None:
            self.close()
            missing = StepFailed("no ready frame")
            fire(environment, name, started, error=missing)
            raise missing
        fire(environment, name, started)

    def _read(self) -> None:
        try:
            while True:
                text = self.ws.recv()
                if not text:
                    break
                try:
                    self.frames.put(json.loads(text))
                except ValueError:
                    continue
        except Exception:  # the socket closed under us: the waiters see None
            pass
        self.frames.put(None)

    def send(self, frame: Frame) -> None:
        self.ws.send(json.dumps(frame))

    def next_frame(self, timeout: float) -> Frame | None:
        """The next frame, None when the socket closed or nothing came within ``timeout``."""
        try:
            frame: Frame | None = self.frames.get(timeout=max(timeout, 0.0))
            return frame
        except Empty:
            return None

    def wait_for(self, wanted: Callable[[Frame], bool], timeout: float) -> Frame | None:
        """The first frame ``wanted`` accepts within ``timeout`` seconds, None when the time
        ran out or the socket closed. Frames passed over are kept, in order, for the next
        wait."""
        for i, kept in enumerate(self.backlog):
            if wanted(kept):
                del self.backlog[i]
                found: Frame = kept
                return found
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                frame = self.frames.get(timeout=left)
            except Empty:
                return None
            if frame is None:
                self.frames.put(None)  # closed stays closed for the next wait
                return None
            if wanted(frame):
                wanted_frame: Frame = frame
                return wanted_frame
            self.backlog.append(frame)

    def request(self, name: str, frame: Frame, answer: str, timeout: float = 30.0) -> Frame:
        """Send ``frame`` (with a ``ref``) and wait for the frame of type ``answer`` that
        echoes it, reported as step ``name``; an error frame for it fails the step."""
        ref = frame["ref"]
        started = time.perf_counter()
        self.send(frame)

        def mine(f: Frame) -> bool:
            return f.get("ref") == ref and f.get("type") in (answer, "error")

        got = self.wait_for(mine, timeout)
        if got is None or got.get("type") == "error":
            what = "no answer" if got is None else f"{got.get('code')}: {got.get('message')}"
            error = StepFailed(f"{frame['type']} → {answer}: {what}")
            fire(self.environment, name, started, error=error)
            raise error
        fire(self.environment, name, started, length=len(json.dumps(got)))
        return got

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        OPEN[self.kind] -= 1
        with contextlib.suppress(Exception):  # already gone
            self.ws.close()


def record_connections(path: Path, every_seconds: float = 1.0) -> None:
    """Append ``unix_time,visitor,agent`` to ``path`` every second (run in a greenlet)."""
    with path.open("a", encoding="utf-8") as sink:
        sink.write("time,visitor,agent\n")
        while True:
            sink.write(f"{time.time():.3f},{OPEN['visitor']},{OPEN['agent']}\n")
            sink.flush()
            gevent.sleep(every_seconds)
