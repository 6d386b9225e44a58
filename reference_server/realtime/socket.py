"""What the visitor and agent WebSockets share.

- Authentication failure: the socket is accepted, then closed with code 4401 (4403 when the
  page's origin is refused, 4429 when its address opens too many); a close before
  ``accept()`` reaches browsers as an HTTP 403 without the code.
- Frames are JSON text objects with a ``type``; each type has a pydantic model. A frame that
  is not JSON (:mod:`reference_server.json_input`: also too deep, a huge number, a NUL
  character), too big, of an unknown type, or missing or mistyping a field is answered with
  an ``error`` frame (``malformed_json``, ``payload_too_large``, ``unknown_type``,
  ``validation_failed``) and nothing is stored; the connection stays up. A use case that
  refuses raises a service error (:mod:`reference_server.services.errors`);
  :data:`FRAME_ERRORS` turns it into an ``error`` frame with the same code the REST API uses.
- One writer: frames from the handlers and from the broadcast go out one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import orjson
from pydantic import BaseModel, Field, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ..json_input import BadJson, check_json, parse_json
from ..services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from ..services.inputs import Input, pydantic_fields
from ..state import Server, server_of
from .feeds import cancel_and_wait

__all__ = [
    "AUTH_FAILED",
    "OPEN_SOCKETS",
    "ORIGIN_REFUSED",
    "RATE_LIMITED",
    "FRAME_ERRORS",
    "ClientGone",
    "MAX_FRAME_CHARS",
    "FrameIn",
    "SocketSession",
    "error_frame",
    "frame_code",
    "refuse",
]

log = logging.getLogger("livechat.realtime")

AUTH_FAILED = 4401
ORIGIN_REFUSED = 4403
RATE_LIMITED = 4429
QUEUED_FRAMES = 16  # frames read ahead of the one being handled
OPEN_SOCKETS = "open-sockets"  # server.extras: sockets open per session class (a Counter)
MAX_FRAME_CHARS = 64 * 1024
_HANDLERS: set[asyncio.Task[None]] = set()  # handler tasks outliving their socket: kept alive


FRAME_ERRORS: Mapping[type[ServiceError], str] = {
    ServiceError: "bad_request",
    Unauthorized: "unauthorized",
    Forbidden: "forbidden",
    NotFound: "not_found",
    Conflict: "conflict",
    ValidationFailed: "validation_failed",
    TooManyRequests: "rate_limited",
}
"""Each service error class's general code in an ``error`` frame (a subclass takes its
parent's); an error's own code (``invalid_transition``, …) says more where it has one."""


def frame_code(error: ServiceError) -> str:
    cls = next(c for c in type(error).__mro__ if c in FRAME_ERRORS)
    return error.code or FRAME_ERRORS[cls]


def error_frame(
    code: str, message: str, fields: Mapping[str, str] | None = None, ref: str | None = None
) -> dict[str, Any]:
    """A refused frame: nothing was stored."""
    frame: dict[str, Any] = {
        "type": "error",
        "code": code,
        "message": message,
        "fields": dict(fields or {}),
    }
    if ref is not None:
        frame["ref"] = ref
    return frame


class FrameIn(Input):
    """Every frame a client sends: its ``type`` and an optional ``ref`` echoed in the reply."""

    type: str
    ref: str | None = Field(default=None, max_length=64)


Handler = Callable[[Any], Awaitable[None]]


class ClientGone(Exception):
    """The client is gone (a send failed or found the socket closed)."""


async def refuse(websocket: WebSocket, reason: str, *, code: int = AUTH_FAILED) -> None:
    """Accept, then close with ``code`` (4401), so that browsers see the code."""
    await websocket.accept()
    short = reason.encode("utf-8")[:120].decode("utf-8", "ignore")  # a close reason's limit
    await websocket.close(code=code, reason=short)


class SocketSession:
    """One connected client. Subclasses fill :attr:`handlers` (type → model, handler)."""

    kind = "socket"  # "visitor" | "agent": how /healthz counts the open sockets

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.server: Server = server_of(websocket)
        self.handlers: dict[str, tuple[type[BaseModel], Handler]] = {}
        self._send_lock = asyncio.Lock()
        self.gone = False  # the client has left (seen by the reader even mid-handler)
        self._stopping = False  # the socket is torn down: handle no further frame
        self._busy = False  # a frame is being handled
        self._ahead: deque[Mapping[str, Any]] = deque()  # frames read while handling one

    async def send(self, frame: Mapping[str, Any]) -> None:
        async with self._send_lock:
            if self.websocket.application_state is not WebSocketState.CONNECTED:
                raise ClientGone()
            try:
                await self.websocket.send_text(orjson.dumps(frame).decode())
            except (WebSocketDisconnect, RuntimeError, OSError) as error:
                raise ClientGone() from error

    async def reply(self, frame: Mapping[str, Any], ref: str | None) -> None:
        out = dict(frame)
        if ref is not None:
            out["ref"] = ref
        await self.send(out)

    async def receive_loop(self) -> None:
        """Handle frames, one at a time, until the client disconnects.

        One task per socket reads a frame and handles it. That task is never cancelled
        midway: when this coroutine is (the server or a test client tearing the socket
        down), the frame in hand is still handled to the end (its message stored), and no
        other is taken. A handler that must notice the client leaving while it waits (a
        start waiting for its turn) reads ahead meanwhile (:meth:`watching_departure`)."""
        handler = asyncio.create_task(self._serve())
        _HANDLERS.add(handler)
        handler.add_done_callback(_HANDLERS.discard)
        try:
            await asyncio.wait({handler})
        finally:
            self._stopping = True  # cancelled: finish the frame in hand, take no other
            if not self._busy:
                handler.cancel()  # waiting for a frame: nothing in hand to finish

    def _left(self) -> None:
        """The client is seen leaving (counted once, as /healthz shows open sockets)."""
        if not self.gone:
            self.gone = True
            self.server.extras[OPEN_SOCKETS][self.kind] -= 1

    async def _serve(self) -> None:
        self.server.extras.setdefault(OPEN_SOCKETS, Counter())[self.kind] += 1
        try:
            while not self._stopping:
                if self._ahead:
                    message = self._ahead.popleft()
                else:
                    message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect" or self._stopping:
                    return
                self._busy = True
                try:
                    await self._handle(message)
                finally:
                    self._busy = False
        except (WebSocketDisconnect, RuntimeError, OSError, ClientGone):
            return
        except Exception:  # _handle answers every error it can; this one ends the socket
            log.exception("the frame handler failed")
        finally:
            self._left()

    @contextlib.asynccontextmanager
    async def watching_departure(self) -> AsyncIterator[None]:
        """While the block runs, read the socket ahead (up to :data:`QUEUED_FRAMES` frames,
        handled afterwards in order), so that :attr:`gone` turns true as soon as the client
        leaves."""
        reader = asyncio.create_task(self._read_ahead())
        try:
            yield
        finally:
            await cancel_and_wait(reader)

    async def _read_ahead(self) -> None:
        try:
            while len(self._ahead) < QUEUED_FRAMES:
                message = await self.websocket.receive()
                self._ahead.append(message)
                if message["type"] == "websocket.disconnect":
                    self._left()
                    return
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._left()

    async def _handle(self, message: Mapping[str, Any]) -> None:
        raw = message.get("text")
        if raw is None:
            data = message.get("bytes") or b""
            if len(data) > MAX_FRAME_CHARS:
                await self.send(
                    error_frame("payload_too_large", f"a frame has at most {MAX_FRAME_CHARS} bytes")
                )
                return
            try:
                raw = data.decode("utf-8")
            except UnicodeDecodeError:
                await self.send(error_frame("malformed_json", "frames are UTF-8 JSON text"))
                return
        if len(raw) > MAX_FRAME_CHARS:
            await self.send(
                error_frame(
                    "payload_too_large", f"a frame has at most {MAX_FRAME_CHARS} characters"
                )
            )
            return
        try:
            data = parse_json(raw, check=False)
        except BadJson as error:
            await self.send(error_frame(error.code, f"the frame is not JSON: {error}"))
            return
        if not isinstance(data, dict):
            await self.send(error_frame("malformed_json", "a frame is a JSON object"))
            return
        ref = data.get("ref") if isinstance(data.get("ref"), str) else None
        try:
            check_json(data)
        except BadJson as error:
            fields = {error.field: error.message} if error.field else None
            await self.send(error_frame(error.code, "the frame is not valid", fields, ref))
            return
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in self.handlers:
            known = ", ".join(sorted(self.handlers))
            await self.send(
                error_frame(
                    "unknown_type",
                    f"the frame type must be one of {known}",
                    {"type": "unknown frame type"},
                    ref,
                )
            )
            return
        model, handler = self.handlers[kind]
        try:
            frame = model.model_validate(data)
        except ValidationError as error:
            await self.send(
                error_frame(
                    "validation_failed", "the frame is not valid", pydantic_fields(error), ref
                )
            )
            return
        try:
            await handler(frame)  # in the socket's handler task: never cancelled midway
        except ServiceError as error:
            refused = error_frame(frame_code(error), error.message, error.fields, ref)
            if isinstance(error, TooManyRequests):
                refused["retry_after"] = error.retry_after  # seconds, as Retry-After says
            await self.send(refused)
        except ClientGone:
            raise
        except Exception:
            log.exception("unexpected error handling a %s frame", kind)
            await self.send(
                error_frame("internal_error", "something went wrong on the server", None, ref)
            )
