"""SE1, SE6: a page on another port of the same host — the same "site", so the agent's
``SameSite=Lax`` session cookie goes along — tries what the issue found possible: create an
admin with a "simple" cross-origin request or a form, and open ``/ws/agent`` on the agent's
cookie to read the inbox. In real Chromium, against the real server, nothing gets through;
the agent's own inbox keeps working beside it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.live_server import free_port

from .pages import ChatWidget, InboxPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

ATTACK = """<!doctype html><html><head><meta charset="utf-8"><title>Win a prize</title></head>
<body><h1>You won!</h1>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" target="sink" enctype="text/plain" action="TARGET/api/v1/users">
<input name='{"email":"form@evil.test","name":"Form","role":"admin",
"password":"a long password","x":"' value='"}'></form>
<script>
const target = "TARGET";
const eve = {email: "eve@evil.test", name: "Eve", role: "admin", password: "a long password"};
window.results = {frames: []};
const asText = fetch(target + "/api/v1/users", {method: "POST", mode: "no-cors",
  credentials: "include", headers: {"Content-Type": "text/plain"}, body: JSON.stringify(eve)})
  .then(() => "sent", (e) => "failed: " + e);
const asJson = fetch(target + "/api/v1/users", {method: "POST", credentials: "include",
  headers: {"Content-Type": "application/json"},
  body: JSON.stringify({...eve, email: "json@evil.test"})})
  .then((r) => "read " + r.status, (e) => "blocked");
const socket = new Promise((resolve) => {
  const ws = new WebSocket(target.replace("http", "ws") + "/ws/agent");
  ws.onmessage = (event) => window.results.frames.push(event.data);
  ws.onclose = (event) => resolve(event.code);
});
document.getElementById("form").submit();
window.done = Promise.all([asText, asJson, socket]).then(([text, json, code]) => {
  Object.assign(window.results, {text, json, closeCode: code});
  return window.results;
});
</script></body></html>"""


@pytest.fixture
def attacker_site(live_server: LiveServer) -> Iterator[str]:
    """A page on another port of 127.0.0.1 (another origin, the same site)."""
    page = ATTACK.replace("TARGET", live_server.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.feature("SE1", "SE6", "CV2")
def test_a_page_on_another_port_can_neither_forge_requests_nor_open_the_agent_socket(
    server: LiveServer, new_context: Callable[..., BrowserContext], attacker_site: str
) -> None:
    context = new_context()
    inbox = InboxPage(context.new_page())
    inbox.log_in("admin@demo.test")
    assert any(c["name"] == "livechat_session" for c in context.cookies())

    evil = context.new_page()
    evil.goto(attacker_site)
    results = evil.evaluate("window.done")

    assert results["text"] == "sent"  # the browser did send it, with the cookie …
    assert results["json"] == "blocked"  # (a JSON body needs CORS, which /api/v1 refuses)
    assert results["closeCode"] == 4403  # … and the socket was refused for its origin
    assert results["frames"] == [], json.dumps(results["frames"])[:500]
    emails = {user["email"] for user in server.admin().get("/api/v1/users?limit=500")}
    assert not emails & {"eve@evil.test", "json@evil.test", "form@evil.test"}

    # the agent's own inbox, in the same browser, works on
    expect(inbox.connection).to_have_text("online")
    inbox.set_status("away")
    admin = server.users()["admin@demo.test"]["id"]
    assert server.admin().get(f"/api/v1/users/{admin}")["status"] == "away"


@pytest.mark.feature("SE8", "CV6")
def test_the_pages_run_under_their_content_security_policy(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    """The inbox, the docs, the console and the demo site — with the widget on it — break no
    rule of the policy they are served with (a violation is reported on the page as an
    event)."""
    page = new_context().new_page()
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.goto("/demo/app/support")
    widget = ChatWidget(page, inline=True)
    widget.expect_mode("open")
    widget.send("Hello under a strict policy")  # a socket ticket, the socket, a message
    for path in ("/inbox", "/docs", "/admin", "/", "/demo/help/reset-password"):
        assert page.evaluate("window.cspViolations") == [], path
        page.goto(path)
    expect(page.get_by_test_id("article-title")).to_be_visible()
    assert page.evaluate("window.cspViolations") == []
