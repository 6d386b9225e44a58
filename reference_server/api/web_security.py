"""What every HTTP answer and WebSocket handshake passes through, as plain ASGI middleware:

- :class:`RefuseUnstorableText`: a path or query string holding a NUL character (``%00``)
  is answered 400 (HTTP) or closed with 4400 after an ``error`` frame (WebSocket) before
  any endpoint sees it — PostgreSQL cannot store or even compare such text;
- :class:`SecurityHeaders`: ``X-Content-Type-Options: nosniff`` on everything; on HTML pages
  a Content Security Policy (scripts, styles and connections from this origin only, no
  framing), ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin``;
- :class:`AddressLimit` (on ``/widget/v1``): requests per address
  (``LIVECHAT_LIMIT_ADDRESS_REQUESTS``), 429 with ``Retry-After`` beyond;
- :func:`cors_by_path`: CORS open to every origin (no credentials) for what customer sites
  load — the widget API, the loader and the widget's static files — and, for ``/api/v1``,
  only the origins ``LIVECHAT_CORS_ORIGINS`` lists (none by default: the API is for this
  origin's pages and for servers, which need no CORS).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..services import limits
from ..services.errors import TooManyRequests
from ..state import server_in
from .errors import service_error_response

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "AddressLimit",
    "RefuseUnstorableText",
    "SecurityHeaders",
    "client_address",
    "cors_by_path",
]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_HTML_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_PUBLIC_PREFIXES = ("/widget/v1/", "/embed/", "/static/")
BAD_INPUT_CLOSE = 4400


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _secured(message.get("headers", ()))}
            await send(message)

        await self.app(scope, receive, with_headers)


_NOSNIFF = (b"x-content-type-options", b"nosniff")


def _secured(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer's headers with ``nosniff`` (replacing any other value) and, on HTML, the
    page headers it does not set itself; one pass over them (every answer comes here)."""
    headers = []
    content_type = b""
    for key, value in raw:
        if key == b"x-content-type-options":
            continue
        if key == b"content-type":
            content_type = value  # the last one, as a dict of them would keep
        headers.append((key, value))
    headers.append(_NOSNIFF)
    if content_type.startswith(b"text/html"):
        present = {k for k, _ in headers}
        headers += [(k, v) for k, v in _HTML_HEADERS if k not in present]
    return headers


def _unstorable(scope: Scope) -> bool:
    # Only %00 (or a raw NUL) decodes to NUL: most query strings need no decoding at all.
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query


class RefuseUnstorableText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not _unstorable(scope):
            await self.app(scope, receive, send)
            return
        error = {
            "code": "bad_request",
            "message": "the address must not contain a NUL character (%00)",
            "fields": {},
        }
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": json.dumps({"type": "error", **error})})
            await send({"type": "websocket.close", "code": BAD_INPUT_CLOSE})
            return
        body = json.dumps({"error": error}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def client_address(scope: Scope) -> str | None:
    """The caller's IP address (behind a proxy: uvicorn ``--proxy-headers`` sets it)."""
    client = scope.get("client")
    return str(client[0]) if client else None


class AddressLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") != "OPTIONS":
            server = server_in(scope)
            if server.settings.limits.address_requests is None:  # off: nothing to count
                await self.app(scope, receive, send)
                return
            try:
                await limits.address_request(server, client_address(scope))
            except TooManyRequests as refused:
                await service_error_response(refused)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _CorsByPath:
    def __init__(self, app: ASGIApp, public: ASGIApp, api: ASGIApp | None) -> None:
        self.app, self.public, self.api = app, public, api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(_PUBLIC_PREFIXES):
            await self.public(scope, receive, send)
        elif self.api is not None and path.startswith("/api/v1/"):
            await self.api(scope, receive, send)
        else:
            await self.app(scope, receive, send)


_VARY = frozenset({b"vary"})


class _OpenCors:
    """Starlette's ``CORSMiddleware`` for every origin without credentials, its answers'
    headers worked out once: an answer gains ``Vary: Origin`` (joined with its own), and
    when the request names an origin ``Access-Control-Allow-Origin: *`` and the exposed
    headers. Preflights go to Starlette's (``preflight``)."""

    def __init__(self, app: ASGIApp, preflight: ASGIApp, expose_headers: Sequence[str]) -> None:
        self.app, self.preflight = app, preflight
        self.with_origin = [(b"access-control-allow-origin", b"*")]
        if expose_headers:
            exposed = ", ".join(expose_headers).encode("latin-1")
            self.with_origin.append((b"access-control-expose-headers", exposed))
        self.replaced = frozenset(k for k, _ in self.with_origin) | {b"vary"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = preflight = False
        for key, _ in scope["headers"]:
            if key == b"origin":
                origin = True
            elif key == b"access-control-request-method":
                preflight = True
        if origin and preflight and scope["method"] == "OPTIONS":
            await self.preflight(scope, receive, send)
            return
        added, replaced = (self.with_origin, self.replaced) if origin else ([], _VARY)

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers, vary = [], []
                for key, value in message.get("headers", ()):
                    if key in replaced:
                        if key == b"vary":
                            vary.append(value)
                        continue
                    headers.append((key, value))
                vary.append(b"Origin")
                message = {**message, "headers": [*headers, *added, (b"vary", b", ".join(vary))]}
            await send(message)

        await self.app(scope, receive, with_cors)


def cors_by_path(app: ASGIApp, api_origins: Sequence[str]) -> ASGIApp:
    exposed = ["retry-after"]
    public = CORSMiddleware(
        app,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["content-type", "x-visitor-token"],
        expose_headers=exposed,
    )
    api = None
    if api_origins:
        api = CORSMiddleware(
            app,
            allow_origins=list(api_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type"],
            expose_headers=exposed,
        )
    return _CorsByPath(app, _OpenCors(app, public, exposed), api)
