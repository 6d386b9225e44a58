"""OP1: the widget's own texts follow the chatflow's language (English, Norwegian Bokmål)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .scenes import MONDAY_EVENING, office_hours
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")


@pytest.mark.feature("OP1", "OP3")
def test_a_norwegian_chatflow_speaks_norwegian(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "nb",
        language="nb",
        display={"desktop": "launcher"},
        options={"cookie_consent": {"enabled": True}},
    )
    widget = DemoPage(page).open(path)
    expect(widget.launcher).to_have_attribute("aria-label", "Åpne chat")
    widget.open()
    expect(widget.input).to_have_attribute("placeholder", "Skriv en melding…")
    widget.start_writing("Hei")
    expect(widget.cookie_banner).to_contain_text("Godtar du informasjonskapsler for chat?")
    expect(widget.cookie_banner.get_by_test_id("lc-cookie-decline")).to_have_text("Nei takk")
    expect(widget.host.get_by_test_id("lc-root")).to_have_attribute("lang", "nb")


@pytest.mark.feature("OP1", "AV6")
def test_the_return_time_is_told_in_norwegian(server: LiveServer, page: Page) -> None:
    path = server.chatflow("nb-offline", language="nb", build=office_hours())
    server.set_clock(MONDAY_EVENING)
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).to_have_text(
        "Vi er borte akkurat nå. Vi er tilbake i morgen kl. 08:00."
    )
