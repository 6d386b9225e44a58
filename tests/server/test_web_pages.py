"""The pages and scripts a browser loads: the tracking code, the widget's static files, the
demo website and the agent inbox (CF5, CV6)."""

from __future__ import annotations

import json
import re

import pytest

from reference_server.api.web_pages import (
    BOOT_PLACEHOLDER,
    _script_json,
    article_slug,
    demo_articles,
    tracking_code,
)
from reference_server.store.demo import ARTICLES

from .conftest import Api
from .test_basics import assert_error

BOOT = re.compile(r"\}\)\((\{.*\})\);\s*$", re.DOTALL)


@pytest.mark.feature("CF5")
def test_the_tracking_code_is_the_loader_with_the_account_and_origin_written_in(api: Api) -> None:
    response = api.client.get(f"/embed/{api.account.account_id}.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert BOOT_PLACEHOLDER not in response.text
    boot = BOOT.search(response.text)
    assert boot is not None
    assert json.loads(boot.group(1)) == {
        "accountId": api.account.account_id,
        "origin": "http://127.0.0.1:8000",  # LIVECHAT_PUBLIC_URL, whatever the Host
    }


@pytest.mark.feature("CF5")
@pytest.mark.parametrize("account_id", ["acc_nobody", "a.b", "x" * 41, "%3Cscript%3E"])
def test_an_unknown_account_gets_a_javascript_comment_and_404(api: Api, account_id: str) -> None:
    response = api.client.get(f"/embed/{account_id}.js")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.text.startswith("/*") and response.text.rstrip().endswith("*/")


def test_the_tracking_code_answers_only_get(api: Api) -> None:
    assert_error(api.client.post(f"/embed/{api.account.account_id}.js"), 405, "method_not_allowed")


def test_boot_data_cannot_close_the_script() -> None:
    text = _script_json({"origin": "</script><script>alert(1)</script>\u2028"})
    assert "<" not in text and ">" not in text and "\u2028" not in text
    assert json.loads(text) == {"origin": "</script><script>alert(1)</script>\u2028"}


@pytest.mark.feature("CF5")
def test_the_snippet_escapes_what_it_embeds() -> None:
    snippet = tracking_code('https://chat.example"><x', "acc_1")
    assert snippet.startswith('<script id="livechat-loader" src="https://chat.example&quot;&gt;')
    assert snippet.endswith(" async defer></script>")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/loader.js", "javascript"),
        ("/static/widget/main.js", "javascript"),
        ("/static/sdk.js", None),
        ("/static/widget.css", "text/css"),
        ("/static/inbox.js", "javascript"),
        ("/static/inbox.css", "text/css"),
    ],
)
def test_the_widget_files_are_served_as_they_are(api: Api, path: str, kind: str | None) -> None:
    response = api.client.get(path)
    if kind is None:
        assert_error(response, 404, "not_found")  # the SDK lives in loader.js
        return
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/nope.js"])
def test_nothing_outside_the_static_folder_is_served(api: Api, path: str) -> None:
    assert api.client.get(path).status_code == 404


@pytest.mark.feature("CF5")
@pytest.mark.parametrize(
    "path",
    [
        "/demo/",
        "/demo/pricing",
        "/demo/privacy",
        "/demo/long",
        "/demo/app",
        "/demo/app/support",
        "/demo/help",
        "/demo/help/",
        "/demo/help/reset-password",
    ],
)
def test_every_demo_page_carries_the_demo_accounts_tracking_code(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'src="http://127.0.0.1:8000/embed/acc_demo.js"' in response.text
    assert "{{" not in response.text


def test_the_demo_root_redirects_to_its_home_page(api: Api) -> None:
    response = api.client.get("/demo", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/demo/"


def test_the_single_page_app_loads_the_chat_through_the_sdk(api: Api) -> None:
    page = api.client.get("/demo/app").text
    assert page.index('src="/demo/app.js"') < page.index("/embed/acc_demo.js")  # settings first
    script = api.client.get("/demo/app.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert "loadImmediately: false" in script.text
    assert 'inlineEmbedSelector: "#chat-inline"' in script.text


@pytest.mark.parametrize("path", ["/demo/nope", "/demo/help/no-such-article"])
def test_an_unknown_demo_page_is_a_json_404(api: Api, path: str) -> None:
    assert_error(api.client.get(path), 404, "not_found")


def test_help_pages_exist_for_every_demo_article_and_link_from_the_index(api: Api) -> None:
    index = api.client.get("/demo/help").text
    assert len(demo_articles()) == len(ARTICLES)
    for slug, (_category, title, _body) in demo_articles().items():
        assert f'href="/demo/help/{slug}"' in index
        page = api.client.get(f"/demo/help/{slug}").text
        assert f'<h1 data-testid="article-title">{title}</h1>' in page


def test_article_slugs_drop_small_words() -> None:
    assert article_slug("Reset your password") == "reset-password"
    assert article_slug("Returns and refunds") == "returns-refunds"
    assert article_slug("Exchange a size") == "exchange-size"


@pytest.mark.feature("CV2")
def test_the_inbox_page_is_served(api: Api) -> None:
    response = api.client.get("/inbox")
    assert response.status_code == 200
    assert '<script type="module" src="/static/inbox.js"></script>' in response.text


OWN_SCRIPTS = [
    "loader.js",
    *(
        f"widget/{name}.js"
        for name in (
            "main",
            "widget",
            "api",
            "cards",
            "connection",
            "consent",
            "dom",
            "header",
            "help",
            "messages",
            "outbox",
            "texts",
            "thread",
            "threads",
            "triggers",
        )
    ),
    "inbox.js",
    "inbox/canned.js",
    "inbox/notify.js",
    "lib/api.js",
    "lib/dom.js",
    *(
        f"admin/{name}.js"
        for name in (
            "main",
            "chatflows",
            "content",
            "editor",
            "editors",
            "form",
            "labels",
            "people",
            "preview",
            "preview-frame",
            "schema",
            "setup",
        )
    ),
]


def test_no_page_puts_data_into_html_with_inner_html(api: Api) -> None:
    for name in OWN_SCRIPTS:
        response = api.client.get(f"/static/{name}")
        assert response.status_code == 200, name
        script = response.text
        assert "innerHTML" not in script and "insertAdjacentHTML" not in script, name
        assert "document.write" not in script and "eval(" not in script, name


@pytest.mark.feature("CF1")
def test_the_landing_page_leads_to_the_demo_inbox_console_and_docs(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for link in ('href="/demo/"', 'href="/inbox"', 'href="/admin"', 'href="/docs"'):
        assert link in page.text


@pytest.mark.feature("CF1", "CF4")
def test_the_console_docs_and_preview_pages_load_only_files_this_server_serves(api: Api) -> None:
    """No CDN and no inline script: every script and style a page names is served here."""
    for path in ("/admin", "/admin/preview-frame", "/docs", "/", "/inbox"):
        html = api.client.get(path).text
        assert "<script>" not in html and "<style" not in html, path
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assert assets, path
        for asset in assets:
            assert api.client.get(asset).status_code == 200, asset
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path
