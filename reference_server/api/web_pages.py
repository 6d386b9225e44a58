"""The pages and scripts a browser loads: the landing page (``/``), the tracking code
(``/embed/{account_id}.js``), the static files (``/static/...``), the agent inbox
(``/inbox``), the admin console (``/admin``), the API docs (``/docs``) and the demo website
(``/demo/...``).

The tracking code is ``web/static/loader.js`` with the account id and the server's origin
written into it, so one ``<script src=".../embed/acc_x.js" async></script>`` is all a site
needs (CF5). It is sent ``no-cache`` (a browser revalidates, so a new loader reaches every
site at once) as ``application/javascript``; an unknown account gets a 404 whose body is a
JavaScript comment, so a page with a stale snippet shows nothing and logs no syntax error.

The demo website (``make demo``) is a few static pages wrapped in one layout, plus one page
per demo help article (``/demo/help/{slug}``), each with the demo account's tracking code.
Nothing here runs user data as HTML: article texts are escaped on the way in.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..state import server_of
from ..store.accounts import get_account
from ..store.demo import ARTICLES, DEMO_ACCOUNT_ID
from .errors import NotFound
from .web_security import CONTENT_SECURITY_POLICY

__all__ = ["BOOT_PLACEHOLDER", "article_slug", "demo_articles", "routes", "tracking_code"]

WEB = Path(__file__).resolve().parent.parent / "web"
STATIC = WEB / "static"
DEMO = WEB / "demo"
BOOT_PLACEHOLDER = "__LIVECHAT_BOOT__"
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_STOP_WORDS = frozenset({"a", "an", "and", "the", "your"})
_JS_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

# The demo pages: path → (fragment file, title). The layout adds the navigation and the
# tracking code.
PAGES = {
    "": ("home.html", "Nordlys Outdoor"),
    "pricing": ("pricing.html", "Pricing"),
    "privacy": ("privacy.html", "Privacy"),
    "long": ("long.html", "Trip report: a long read"),
    "app": ("app.html", "Nordlys app (single-page)"),
}


def tracking_code(origin: str, account_id: str) -> str:
    """The snippet a site pastes before ``</body>`` (CF5)."""
    src = html.escape(f"{origin}/embed/{account_id}.js", quote=True)
    return f'<script id="livechat-loader" src="{src}" async defer></script>'


def article_slug(title: str) -> str:
    """``"Reset your password"`` → ``"reset-password"``."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return "-".join(word for word in words if word not in _STOP_WORDS)


def demo_articles() -> dict[str, tuple[str, str, str]]:
    """The demo help articles by slug: (category, title, body)."""
    return {article_slug(title): (category, title, body) for category, title, body in ARTICLES}


def _origin(request: Request) -> str:
    """The server's own origin, from ``LIVECHAT_PUBLIC_URL`` — never from the ``Host``
    header, which a client chooses (a cache in front would keep what one client sent)."""
    return server_of(request).settings.public_url


def _script_json(value: object) -> str:
    """JSON that is safe inside a script (no ``</script>``, no line separators)."""
    text = json.dumps(value)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


async def loader(request: Request) -> Response:
    account_id = str(request.path_params["account_id"])
    known = False
    if _ACCOUNT_ID.match(account_id):
        async with server_of(request).engine.connect() as db:
            try:
                await get_account(db, account_id)
                known = True
            except LookupError:
                known = False
    if not known:
        return Response(
            "/* live chat: no such account; check the tracking code */\n",
            status_code=404,
            media_type="application/javascript; charset=utf-8",
            headers=_JS_HEADERS,
        )
    boot = {"accountId": account_id, "origin": _origin(request)}
    script = (STATIC / "loader.js").read_text(encoding="utf-8")
    return Response(
        script.replace(BOOT_PLACEHOLDER, _script_json(boot)),
        media_type="application/javascript; charset=utf-8",
        headers=_JS_HEADERS,
    )


def _layout(request: Request, title: str, body: str) -> HTMLResponse:
    page = (DEMO / "_layout.html").read_text(encoding="utf-8")
    page = page.replace("{{title}}", html.escape(title))
    page = page.replace("{{tracking}}", tracking_code(_origin(request), DEMO_ACCOUNT_ID))
    return HTMLResponse(page.replace("{{body}}", body))


async def demo_page(request: Request) -> Response:
    name = str(request.path_params.get("page", ""))
    if name not in PAGES:
        raise NotFound("no such demo page")
    fragment, title = PAGES[name]
    return _layout(request, title, (DEMO / fragment).read_text(encoding="utf-8"))


async def demo_root(request: Request) -> Response:
    return RedirectResponse("/demo/", status_code=307)


async def demo_app_deep_link(request: Request) -> Response:
    """The single-page app answers every path under ``/demo/app/`` (client-side routes)."""
    fragment, title = PAGES["app"]
    return _layout(request, title, (DEMO / fragment).read_text(encoding="utf-8"))


async def help_index(request: Request) -> Response:
    by_category: dict[str, list[tuple[str, str]]] = {}
    for slug, (category, title, _body) in demo_articles().items():
        by_category.setdefault(category, []).append((slug, title))
    parts = ['<h1>Help centre</h1><p class="lead">Guides for orders, returns and billing.</p>']
    for category, items in by_category.items():
        parts.append(f'<h2>{html.escape(category)}</h2><ul class="articles">')
        parts.extend(
            f'<li><a href="/demo/help/{html.escape(slug)}">{html.escape(title)}</a></li>'
            for slug, title in items
        )
        parts.append("</ul>")
    return _layout(request, "Help centre", "\n".join(parts))


async def help_article(request: Request) -> Response:
    found = demo_articles().get(str(request.path_params["slug"]))
    if found is None:
        raise NotFound("no such help article")
    category, title, body = found
    # The other articles follow in full, so the page is long enough to scroll (the help
    # chatflow pops open at 50 % scrolled).
    more = "".join(
        f'<h2><a href="/demo/help/{html.escape(slug)}">{html.escape(other_title)}</a></h2>'
        f"<p>{html.escape(other_body)}</p>"
        for slug, (_category, other_title, other_body) in demo_articles().items()
        if other_title != title
    )
    content = (
        f'<p class="crumbs"><a href="/demo/help">Help centre</a> › {html.escape(category)}</p>'
        f'<h1 data-testid="article-title">{html.escape(title)}</h1><p>{html.escape(body)}</p>'
        f'<section class="more"><h2>More from the help centre</h2>{more}</section>'
    )
    return _layout(request, title, content)


async def demo_css(request: Request) -> Response:
    return Response(
        (DEMO / "demo.css").read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "no-cache"},
    )


async def demo_js(request: Request) -> Response:
    """The demo single-page app's script (a file: the pages' CSP allows no inline script)."""
    return Response(
        (DEMO / "app.js").read_text(encoding="utf-8"),
        media_type="application/javascript; charset=utf-8",
        headers=_JS_HEADERS,
    )


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((WEB / name).read_text(encoding="utf-8"))


async def inbox(request: Request) -> Response:
    return _page("inbox.html")


async def landing(request: Request) -> Response:
    """``/``: where to go — the demo site, the inbox, the admin console, the API docs."""
    return _page("landing.html")


async def admin(request: Request) -> Response:
    """The admin console (``/admin``): one page; its views are in the URL's fragment."""
    return _page("admin.html")


async def admin_preview_frame(request: Request) -> Response:
    """The sample page the console's preview (CF4) shows the widget on, in a frame: the one
    page that this origin's own pages (and only they) may frame."""
    page = _page("admin-preview.html")
    page.headers["content-security-policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'"
    )
    page.headers["x-frame-options"] = "SAMEORIGIN"
    return page


async def docs(request: Request) -> Response:
    """``/docs``: the interactive API page (Swagger UI, shipped in ``static/vendor``)."""
    return _page("docs.html")


def routes() -> list[BaseRoute]:
    return [
        Route("/embed/{account_id}.js", loader, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        Route("/", landing, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/admin", admin, methods=["GET"]),
        Route("/admin/preview-frame", admin_preview_frame, methods=["GET"]),
        Route("/inbox", inbox, methods=["GET"]),
        Route("/demo", demo_root, methods=["GET"]),
        Route("/demo/", demo_page, methods=["GET"]),
        Route("/demo/demo.css", demo_css, methods=["GET"]),
        Route("/demo/app.js", demo_js, methods=["GET"]),
        Route("/demo/help", help_index, methods=["GET"]),
        Route("/demo/help/", help_index, methods=["GET"]),
        Route("/demo/help/{slug}", help_article, methods=["GET"]),
        Route("/demo/app/{rest:path}", demo_app_deep_link, methods=["GET"]),
        Route("/demo/{page}", demo_page, methods=["GET"]),
    ]
