"""CV6: the JavaScript SDK — window.HubSpotConversations (and window.LiveChat), compatible
with the seed product's: settings, onReady, widget.load/open/close/remove/refresh/status,
clear, on/off and the events — and the demo's single-page app that loads the chat inline."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .pages import ChatWidget, DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

# Every event HubSpot's Conversations SDK documents (quickReplyButtonClick: bots' quick
# replies, which this widget has not; listening to it is accepted).
EVENTS = [
    "widgetLoaded",
    "widgetClosed",
    "conversationStarted",
    "conversationClosed",
    "userSelectedThread",
    "unreadConversationCountChanged",
    "contactAssociated",
    "userInteractedWithWidget",
    "quickReplyButtonClick",
]
RECORDER = """
window.__events = [];
window.hsConversationsSettings = %s;
window.hsConversationsOnReady = [function () {
  window.__sameObject = window.HubSpotConversations === window.LiveChat;
  %s.forEach(function (name) {
    window.HubSpotConversations.on(name, function (payload) {
      window.__events.push([name, payload]);
    });
  });
}];
"""


def record_events(page: Page, **settings: Any) -> None:
    page.add_init_script(RECORDER % (json.dumps(settings), json.dumps(EVENTS)))


def events(page: Page, name: str) -> list[Any]:
    return [payload for event, payload in page.evaluate("window.__events") if event == name]


def expect_event(page: Page, name: str, count: int = 1) -> list[Any]:
    page.wait_for_function(
        "([name, count]) => window.__events.filter((e) => e[0] === name).length >= count",
        arg=[name, count],
        polling=50,
    )
    return events(page, name)


@pytest.mark.feature("CV6")
def test_the_sdk_is_ready_under_both_names_and_reports_the_widget_loaded(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-ready")
    record_events(page)
    DemoPage(page).open(path)
    assert page.evaluate("window.__sameObject") is True
    assert page.evaluate("window.HubSpotConversations.widget.status()") == {
        "loaded": True,
        "pending": False,
    }
    assert expect_event(page, "widgetLoaded")[0]["message"]


@pytest.mark.feature("CV6")
def test_load_open_close_remove_and_load_again(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-load", display={"desktop": "launcher"})
    record_events(page, loadImmediately=False)
    page.goto(path)
    page.wait_for_function("!!window.HubSpotConversations")
    assert page.evaluate("HubSpotConversations.widget.status().loaded") is False
    expect(page.locator("#hubspot-messages-iframe-container")).to_have_count(0)

    page.evaluate("HubSpotConversations.widget.load()")
    widget = ChatWidget(page)
    widget.expect_mode("launcher")
    page.evaluate("HubSpotConversations.widget.load()")  # a no-op while loaded
    expect(page.locator("#hubspot-messages-iframe-container")).to_have_count(1)
    page.evaluate("HubSpotConversations.widget.open()")
    widget.expect_mode("open")
    page.evaluate("HubSpotConversations.widget.close()")
    widget.expect_mode("launcher")
    [closed] = expect_event(page, "widgetClosed")
    assert list(closed) == ["message"] and closed["message"]
    page.evaluate("HubSpotConversations.widget.remove()")
    expect(page.locator("#hubspot-messages-iframe-container")).to_have_count(0)
    assert page.evaluate("HubSpotConversations.widget.status().loaded") is False
    page.evaluate("HubSpotConversations.widget.load({widgetOpen: true})")
    widget.expect_mode("open")
    assert len(expect_event(page, "widgetLoaded", 2)) == 2


@pytest.mark.feature("CV6", "CV1")
def test_conversation_and_unread_events_follow_the_conversation(
    server: LiveServer, page: Page
) -> None:
    agent_id = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "sdk-events",
        display={"desktop": "launcher"},
        build={"assignment": {"user_ids": [agent_id]}},
    )
    record_events(page)
    widget = DemoPage(page).open(path)
    widget.open()
    [interacted] = expect_event(page, "userInteractedWithWidget")
    assert list(interacted) == ["message"] and interacted["message"]
    widget.send("Hello from the SDK test")
    started = expect_event(page, "conversationStarted")
    conversation_id = widget.conversation_id
    assert started == [{"conversation": {"conversationId": conversation_id}}]
    # HubSpot fires userSelectedThread for a thread created too.
    assert expect_event(page, "userSelectedThread") == started

    widget.minimize()
    agent = server.login("agent1@demo.test")
    for text in ("An answer while minimized", "And one more thing"):
        agent.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"client_id": uuid.uuid4().hex, "text": text},
        )
    expect(widget.unread).to_have_text("2")  # the badge counts messages
    # The event counts conversations with unread messages, and fires when that changes.
    assert expect_event(page, "unreadConversationCountChanged") == [{"unreadCount": 1}]
    widget.open()
    expect(widget.unread).to_be_hidden()
    assert expect_event(page, "unreadConversationCountChanged", 2)[-1] == {"unreadCount": 0}

    agent.post(f"/api/v1/conversations/{conversation_id}/close")
    closed = expect_event(page, "conversationClosed")
    assert closed == [{"conversation": {"conversationId": conversation_id}}]


@pytest.mark.feature("CV6", "BD2")
def test_contact_associated_fires_when_the_visitor_leaves_an_email(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-contact", build={"email_capture": {"when": "always"}})
    record_events(page)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Please call me back")
    widget.leave_email("not an email")
    expect(widget.host.get_by_test_id("lc-email-error")).to_be_visible()
    assert events(page, "contactAssociated") == []  # refused: no contact
    widget.leave_email("kari@example.test")
    expect(widget.email_thanks).to_be_visible()
    [associated] = expect_event(page, "contactAssociated")
    assert list(associated) == ["message"] and associated["message"]


@pytest.mark.feature("CV6", "TG1")
def test_refresh_asks_again_for_the_current_url_in_a_single_page_app(
    server: LiveServer, page: Page
) -> None:
    first = server.chatflow("spa-a", build={"welcome_message": "Welcome to A"})
    server.chatflow("spa-b", build={"welcome_message": "Welcome to B"})
    widget = DemoPage(page).open(first)
    expect(widget.prompt_text).to_have_text("Welcome to A")
    page.evaluate("history.pushState(null, '', '/demo/long?case=spa-b')")
    page.evaluate("HubSpotConversations.widget.refresh()")
    expect(widget.prompt_text).to_have_text("Welcome to B")
    expect(page.locator("#hubspot-messages-iframe-container")).to_have_count(1)


@pytest.mark.feature("CV6", "TG3")
def test_refresh_where_no_chatflow_applies_keeps_a_chat_under_way_only(
    server: LiveServer, page: Page
) -> None:
    agent_id = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "spa-engaged",
        display={"desktop": "launcher"},
        build={"assignment": {"user_ids": [agent_id]}},
    )
    widget = DemoPage(page).open(path)
    page.evaluate("history.pushState(null, '', '/demo/privacy')")
    page.evaluate("HubSpotConversations.widget.refresh()")
    expect(widget.host).to_have_count(0)  # no chat under way: the widget goes

    page.evaluate("history.pushState(null, '', '/demo/long?case=spa-engaged')")
    page.evaluate("HubSpotConversations.widget.refresh()")
    widget.open()
    widget.send("Still there when I move on?")
    page.evaluate("history.pushState(null, '', '/demo/privacy')")
    assert page.evaluate("HubSpotConversations.widget.refresh()") is True
    expect(widget.window).to_be_visible()  # HubSpot keeps an active chat
    expect(widget.message("Still there when I move on?")).to_be_visible()

    conversation_id = widget.conversation_id
    server.login("agent1@demo.test").post(f"/api/v1/conversations/{conversation_id}/close")
    expect(widget.closed_notice).to_be_visible()
    page.evaluate("HubSpotConversations.widget.refresh()")
    expect(widget.host).to_have_count(0)  # the chat has ended


@pytest.mark.feature("CV6", "OP8")
def test_clear_forgets_the_visitor_and_off_stops_an_event(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-clear")
    record_events(page)
    demo = DemoPage(page)
    demo.open(path)
    first = demo.expect_cookie("messagesUtk")["value"]
    page.evaluate("""() => {
        window.__offCalls = 0;
        window.__offHandler = () => { window.__offCalls += 1; };
        HubSpotConversations.on('widgetLoaded', window.__offHandler);
        HubSpotConversations.off('widgetLoaded', window.__offHandler);
    }""")
    page.evaluate("HubSpotConversations.clear()")
    demo.expect_no_cookie("messagesUtk")
    page.evaluate("HubSpotConversations.clear({resetWidget: true})")
    assert len(expect_event(page, "widgetLoaded", 2)) == 2
    second = demo.expect_cookie("messagesUtk")["value"]
    assert second != first  # a new visitor
    assert page.evaluate("window.__offCalls") == 0


@pytest.mark.feature("CV6")
def test_the_demo_single_page_app_loads_the_chat_inline_on_its_support_route(
    server: LiveServer, page: Page
) -> None:
    page.goto("/demo/app")
    page.wait_for_function("!!window.HubSpotConversations")
    expect(page.locator("#hubspot-conversations-inline-iframe")).to_have_count(0)
    page.get_by_role("link", name="Support").click()
    widget = ChatWidget(page, inline=True)
    widget.expect_mode("open")
    expect(widget.window).to_be_visible()
    expect(widget.launcher).to_have_count(0)
    expect(page.locator("#chat-inline #hubspot-conversations-inline-iframe")).to_have_count(1)
    expect(page.get_by_test_id("sdk-events")).to_contain_text("widgetLoaded")
    widget.send("Hello from the app")
    page.get_by_role("link", name="Orders").click()
    expect(page.locator("#hubspot-conversations-inline-iframe")).to_have_count(0)
    page.get_by_role("link", name="Support").click()
    expect(widget.message("Hello from the app")).to_be_visible()  # the history comes back


# ---------------------------------------------------------------- loading (issue 8 §5)


class HeldConfig:
    """Holds the loader's config request until released: the widget is "still loading"
    for as long as the test wants, without waiting for any time to pass."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.routes: list[Any] = []
        page.route("**/widget/v1/*/config", lambda route: self.routes.append(route))

    def release(self) -> None:
        for _ in range(200):  # each evaluate lets Playwright hand over the routed request
            if self.routes:
                break
            self.page.evaluate("0")
        assert self.routes, "the loader never asked for its config"
        for route in self.routes:
            route.continue_()
        self.page.unroute("**/widget/v1/*/config")


def status(page: Page) -> Any:
    return page.evaluate("window.HubSpotConversations.widget.status()")


@pytest.mark.feature("CV6")
def test_status_is_pending_while_loading_and_open_then_opens_once_loaded(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-pending", display={"desktop": "launcher"})
    record_events(page)
    held = HeldConfig(page)
    page.goto(path)
    page.wait_for_function("!!window.HubSpotConversations")
    assert status(page) == {"loaded": False, "pending": True}
    page.evaluate("HubSpotConversations.widget.open()")  # still loading
    expect(page.locator("#hubspot-messages-iframe-container")).to_have_count(0)
    held.release()
    widget = ChatWidget(page)
    widget.expect_mode("open")  # not the chatflow's launcher: the page asked to open it
    expect(widget.window).to_be_visible()
    assert status(page) == {"loaded": True, "pending": False}
    assert len(expect_event(page, "widgetLoaded")) == 1


@pytest.mark.feature("CV6")
def test_refresh_after_remove_loads_the_widget_again(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-refresh-removed", display={"desktop": "launcher"})
    record_events(page)
    widget = DemoPage(page).open(path)
    widget.expect_mode("launcher")
    page.evaluate("HubSpotConversations.widget.remove()")
    expect(widget.host).to_have_count(0)
    assert status(page) == {"loaded": False, "pending": False}
    page.evaluate("HubSpotConversations.widget.refresh()")
    widget.expect_mode("launcher")
    assert status(page) == {"loaded": True, "pending": False}
    assert len(expect_event(page, "widgetLoaded", 2)) == 2


@pytest.mark.feature("CV6", "OP8")
def test_clear_with_reset_leaves_loading_to_a_page_that_loads_the_widget_itself(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-clear-manual", display={"desktop": "launcher"})
    record_events(page, loadImmediately=False)
    page.goto(path)
    page.wait_for_function("!!window.HubSpotConversations")
    page.evaluate("HubSpotConversations.widget.load()")
    demo = DemoPage(page)
    widget = demo.widget
    widget.expect_mode("launcher")
    first = demo.expect_cookie("messagesUtk")["value"]

    page.evaluate("HubSpotConversations.clear({resetWidget: true})")
    expect(widget.host).to_have_count(0)  # removed, and not loaded again by itself
    demo.expect_no_cookie("messagesUtk")
    assert status(page) == {"loaded": False, "pending": False}
    assert len(events(page, "widgetLoaded")) == 1

    page.evaluate("HubSpotConversations.widget.load()")  # the page's own call
    widget.expect_mode("launcher")
    assert demo.expect_cookie("messagesUtk")["value"] != first  # a new visitor


@pytest.mark.feature("CV6")
def test_an_integration_that_checks_for_debug_and_refresh_loads_the_chat(
    server: LiveServer, page: Page
) -> None:
    """Found in integration code: it uses the SDK only when ``debug`` and a top-level
    ``refresh`` exist, and then calls ``debug(true)`` and ``refresh()``."""
    path = server.chatflow("sdk-old-refresh", display={"desktop": "launcher"})
    logged: list[str] = []
    page.on("console", lambda message: logged.append(message.text))
    page.add_init_script(
        "window.hsConversationsSettings = {loadImmediately: false};"
        "window.hsConversationsOnReady = [function () {"
        "  var api = window.HubSpotConversations;"
        "  window.__apiPresent = !!(api && api.debug && api.refresh);"
        "  api.debug(true);"
        "  api.refresh();"
        "}];"
    )
    widget = DemoPage(page).open(path)
    widget.expect_mode("launcher")
    assert page.evaluate("window.__apiPresent") is True
    assert any("[livechat] event widgetLoaded" in line for line in logged)


@pytest.mark.feature("CV6", "OP8")
def test_reset_and_reload_widget_the_older_name_integrations_still_call(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-reset-reload", display={"desktop": "launcher"})
    record_events(page, loadImmediately=False)
    page.goto(path)
    page.wait_for_function("!!window.HubSpotConversations")
    demo = DemoPage(page)
    widget = demo.widget
    # Found in integrations: load, then reset at once (while the first load is under way).
    page.evaluate(
        "HubSpotConversations.widget.load(); HubSpotConversations.resetAndReloadWidget();"
    )
    widget.expect_mode("launcher")
    assert len(expect_event(page, "widgetLoaded", 2)) == 2  # loaded, then loaded again
    first = demo.expect_cookie("messagesUtk")["value"]

    # And the other order, with the widget removed: reset, then the page's own load.
    page.evaluate("HubSpotConversations.widget.remove()")
    page.evaluate(
        "HubSpotConversations.resetAndReloadWidget(); HubSpotConversations.widget.load();"
    )
    widget.expect_mode("launcher")
    assert demo.expect_cookie("messagesUtk")["value"] != first  # a new visitor
    assert len(expect_event(page, "widgetLoaded", 3)) == 3


@pytest.mark.feature("CV6")
def test_debug_logs_what_the_widget_does_until_turned_off(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-debug", display={"desktop": "launcher"})
    logged: list[str] = []
    page.on("console", lambda message: logged.append(message.text))
    widget = DemoPage(page).open(path)
    assert not [line for line in logged if "[livechat]" in line]
    page.evaluate("HubSpotConversations.debug()")
    assert any("[livechat] debugging on" in line for line in logged)
    # On for the tab: the next page logs its config answer and its events.
    logged.clear()
    DemoPage(page).open(path)
    page.wait_for_function("HubSpotConversations.widget.status().loaded")
    assert any("[livechat] config" in line for line in logged)
    assert any("[livechat] event widgetLoaded" in line for line in logged)
    page.evaluate("HubSpotConversations.debug(false)")
    logged.clear()
    widget.open()
    expect(widget.window).to_be_visible()
    page.evaluate("HubSpotConversations.widget.close()")
    widget.expect_mode("launcher")
    assert not [line for line in logged if "[livechat]" in line]


# ---------------------------------------------------------------- the visitor's conversations


@pytest.mark.feature("CV6", "CV1")
def test_the_visitor_picks_an_earlier_conversation_from_the_list(
    server: LiveServer, page: Page
) -> None:
    agent_id = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "sdk-threads",
        display={"desktop": "launcher"},
        build={"assignment": {"user_ids": [agent_id]}},
    )
    record_events(page)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Where is my order?")
    first = widget.conversation_id
    agent = server.login("agent1@demo.test")
    agent.post(
        f"/api/v1/conversations/{first}/messages",
        {"client_id": uuid.uuid4().hex, "text": "It ships tomorrow"},
    )
    agent.post(f"/api/v1/conversations/{first}/close")
    expect(widget.closed_notice).to_be_visible()
    widget.start_new_conversation()
    widget.send("Another question")
    second = widget.conversation_id
    assert second != first
    assert [e["conversation"]["conversationId"] for e in events(page, "userSelectedThread")] == [
        first,
        second,
    ]

    widget.show_threads()
    expect(widget.thread_rows).to_have_count(2)
    expect(widget.thread_rows.first).to_have_attribute("data-conversation-id", second)  # newest
    expect(widget.thread_row(second)).to_have_attribute("aria-current", "true")
    expect(widget.thread_row(first)).to_have_attribute("data-status", "closed")
    # Each row shows its newest message: the rows tell the conversations apart.
    expect(widget.thread_row(second).get_by_test_id("lc-thread-preview")).to_have_text(
        "You: Another question"
    )
    expect(widget.thread_row(first).get_by_test_id("lc-thread-preview")).to_have_text(
        "It ships tomorrow"
    )
    widget.thread_row(first).click()
    expect(widget.threads).to_be_hidden()
    assert expect_event(page, "userSelectedThread", 3)[-1] == {
        "conversation": {"conversationId": first}
    }
    assert widget.conversation_id == first
    expect(widget.message("It ships tomorrow")).to_be_visible()
    expect(widget.message("Another question")).to_have_count(0)
    expect(widget.closed_notice).to_be_visible()

    # Back to the open one: its history and its composer.
    widget.show_threads()
    widget.thread_row(second).click()
    expect(widget.message("Another question")).to_be_visible()
    expect(widget.input).to_be_editable()


@pytest.mark.feature("CV6")
def test_the_list_shows_only_the_visitors_own_conversations(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-threads-own", display={"desktop": "launcher"})
    server.start_conversation(path, "Someone else's question")  # another visitor
    widget = DemoPage(page).open(path)
    widget.open()
    widget.show_threads()
    expect(widget.host.get_by_test_id("lc-threads-empty")).to_be_visible()
    expect(widget.thread_rows).to_have_count(0)
    widget.threads_new.click()
    expect(widget.threads).to_be_hidden()
    widget.send("My own question")
    widget.show_threads()
    expect(widget.thread_rows).to_have_count(1)
    expect(widget.thread_rows.first).to_have_attribute(
        "data-conversation-id", widget.conversation_id
    )


@pytest.mark.feature("CV6", "CV1")
def test_unread_replies_in_two_conversations_count_two(server: LiveServer, page: Page) -> None:
    agent_id = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "sdk-unread-two",
        display={"desktop": "launcher"},
        build={"assignment": {"user_ids": [agent_id]}},
    )
    record_events(page)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("About my order")
    first = widget.conversation_id
    widget.show_threads()
    widget.threads_new.click()
    widget.send("About a return")
    second = widget.conversation_id
    agent = server.login("agent1@demo.test")

    def reply(conversation_id: str, text: str) -> None:
        agent.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            {"client_id": uuid.uuid4().hex, "text": text},
        )

    reply(first, "Your order ships tomorrow")  # the visitor is reading the other one
    assert expect_event(page, "unreadConversationCountChanged") == [{"unreadCount": 1}]
    widget.minimize()
    reply(second, "Returns are free")
    reply(second, "Just use the label in the box")
    expect(widget.unread).to_have_text("3")
    assert expect_event(page, "unreadConversationCountChanged", 2)[-1] == {"unreadCount": 2}
    widget.open()  # the return conversation is on screen: read
    assert expect_event(page, "unreadConversationCountChanged", 3)[-1] == {"unreadCount": 1}
    widget.show_threads()
    expect(widget.thread_row(first).get_by_test_id("lc-thread-unread")).to_have_text("1")
    widget.thread_row(first).click()
    expect(widget.message("Your order ships tomorrow")).to_be_visible()
    assert expect_event(page, "unreadConversationCountChanged", 4)[-1] == {"unreadCount": 0}
    expect(widget.unread).to_be_hidden()
    assert second != first


@pytest.mark.feature("CV6", "TG6")
def test_refresh_open_to_new_thread_opens_a_new_conversation_on_the_new_chatflow(
    server: LiveServer, page: Page
) -> None:
    """HubSpot's example: "Talk to sales" buttons that change the URL and call
    refresh({openToNewThread: true})."""
    support = server.chatflow("support-button", build={"welcome_message": "Support here"})
    server.chatflow("sales-button", build={"welcome_message": "Sales here"})
    sales_id = server.last_chatflow_id
    record_events(page)
    widget = DemoPage(page).open(support)
    widget.open()
    widget.send("A support question")
    support_conversation = widget.conversation_id
    page.evaluate("history.pushState({}, 'talk_to_sales', '/demo/long?case=sales-button')")
    page.evaluate("HubSpotConversations.widget.refresh({openToNewThread: true})")
    expect(widget.host).to_have_attribute("data-chatflow-id", sales_id)
    expect(widget.window).to_be_visible()
    expect(widget.message("Sales here")).to_be_visible()
    expect(widget.message("A support question")).to_have_count(0)
    widget.send("A sales question")
    assert widget.conversation_id != support_conversation
    started = expect_event(page, "conversationStarted", 2)
    assert started[-1] == {"conversation": {"conversationId": widget.conversation_id}}
