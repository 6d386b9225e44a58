"""SE6: the CORS answers on what customer sites load (``/widget/v1/``, ``/embed/``,
``/static/``) are Starlette's own for "every origin, no credentials", header for header:
the server writes them from headers worked out once (every page view passes through),
so they are held here to what ``CORSMiddleware`` answers for the same requests."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from reference_server.api.web_security import cors_by_path


async def answer(request: Request) -> Response:
    """An answer with the headers a request asks for (``?vary=…``, ``?allow=…``)."""
    headers = {}
    if "vary" in request.query_params:
        headers["Vary"] = request.query_params["vary"]
    if "allow" in request.query_params:
        headers["Access-Control-Allow-Origin"] = request.query_params["allow"]
    return Response(b"{}", media_type="application/json", headers=headers)


ROUTES = [Route("/widget/v1/x", answer, methods=["GET", "POST", "OPTIONS"])]


def headers_of(
    app: object, method: str, url: str, headers: dict[str, str]
) -> list[tuple[str, str]]:
    with TestClient(app) as client:  # type: ignore[arg-type]
        reply = client.request(method, url, headers=headers)
    return sorted((k.lower(), v) for k, v in reply.headers.multi_items())


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("POST", "/widget/v1/x", {}),
        ("POST", "/widget/v1/x", {"Origin": "https://shop.test"}),
        ("GET", "/widget/v1/x?vary=Accept-Encoding", {"Origin": "https://shop.test"}),
        ("GET", "/widget/v1/x?vary=Accept-Encoding", {}),
        ("GET", "/widget/v1/x?allow=https://a.test", {"Origin": "https://shop.test"}),
        ("GET", "/widget/v1/x?allow=https://a.test", {}),
        ("OPTIONS", "/widget/v1/x", {"Origin": "https://shop.test"}),
        ("OPTIONS", "/widget/v1/x", {"Access-Control-Request-Method": "POST"}),
        (
            "OPTIONS",
            "/widget/v1/x",
            {
                "Origin": "https://shop.test",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-visitor-token",
            },
        ),
        (
            "OPTIONS",
            "/widget/v1/x",
            {"Origin": "https://shop.test", "Access-Control-Request-Method": "PURGE"},
        ),
    ],
)
def test_public_cors_answers_as_starlettes_middleware(
    method: str, url: str, headers: dict[str, str]
) -> None:
    ours = Starlette(routes=ROUTES)
    ours.add_middleware(cors_by_path, api_origins=[])  # type: ignore[arg-type]
    starlettes = Starlette(routes=ROUTES)
    starlettes.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["content-type", "x-visitor-token"],
        expose_headers=["retry-after"],
    )
    expected = headers_of(starlettes, method, url, headers)
    assert headers_of(ours, method, url, headers) == expected
    assert any(k == "vary" for k, _ in expected)  # each case is one CORS answers
