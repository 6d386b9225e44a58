// Consent as the widget shows it: only the server's decisions, turned into what to show.
// (tests/server/test_widget_conformance.py checks the same against the domain.)
import assert from "node:assert/strict";
import { test } from "node:test";

import { bannerDue, consentView } from "../../reference_server/web/static/widget/consent.js";

const EXPLICIT = {
  data_processing: "explicit",
  data_processing_text: "We store what you write.",
  privacy_policy_url: "/privacy",
  communication_checkbox: false,
  communication_text: "",
};
const BLOCKED = { allowed: false, reason: "consent_required", message: "Agree first.", missing: ["data_processing"] };
const ALLOWED = { allowed: true, reason: null, message: "", missing: [] };
const CLOSED = { allowed: false, reason: "conversation_closed", message: "Ended.", missing: [] };

test("explicit consent still missing: the notice with I agree, sending blocked, the reason", () => {
  const view = consentView({ notice: EXPLICIT, send: BLOCKED, given: null, started: false });
  assert.equal(view.card, true);
  assert.equal(view.noticeText, "We store what you write.");
  assert.equal(view.privacyUrl, "/privacy");
  assert.equal(view.agree, true);
  assert.equal(view.sendBlocked, true);
  assert.equal(view.hint, "Agree first.");
});

test("consent the server says holds: no card, nothing blocked — before or during a chat", () => {
  for (const started of [false, true]) {
    const view = consentView({ notice: EXPLICIT, send: ALLOWED, given: { data_processing: true }, started });
    assert.equal(view.card, false);
    assert.equal(view.agree, false);
    assert.equal(view.sendBlocked, false);
    assert.equal(view.hint, "");
  }
});

test("legitimate interest informs before the first message and never blocks", () => {
  const notice = { ...EXPLICIT, data_processing: "legitimate_interest" };
  const before = consentView({ notice, send: ALLOWED, given: null, started: false });
  assert.equal(before.card, true);
  assert.equal(before.noticeText, "We store what you write.");
  assert.equal(before.agree, false);
  assert.equal(before.sendBlocked, false);
  const during = consentView({ notice, send: ALLOWED, given: null, started: true });
  assert.equal(during.card, false);
});

test("the communication checkbox shows before the first message, ticked when given", () => {
  const notice = { ...EXPLICIT, data_processing: null, communication_checkbox: true, communication_text: "News?" };
  const view = consentView({ notice, send: ALLOWED, given: { communication: true }, started: false });
  assert.equal(view.card, true);
  assert.equal(view.noticeText, "");
  assert.equal(view.checkbox, true);
  assert.equal(view.checkboxText, "News?");
  assert.equal(view.checkboxChecked, true);
  assert.equal(consentView({ notice, send: ALLOWED, given: null, started: true }).card, false);
});

test("a closed conversation is not a consent matter", () => {
  const view = consentView({ notice: EXPLICIT, send: CLOSED, given: null, started: true });
  assert.equal(view.sendBlocked, false);
  assert.equal(view.agree, false);
});

test("no notice and no decision yet: nothing to show", () => {
  const view = consentView({ notice: null, send: null, given: null, started: false });
  assert.deepEqual(
    [view.card, view.agree, view.sendBlocked, view.checkbox],
    [false, false, false, false],
  );
});

test("the cookie banner shows only at the moment the server named, until answered", () => {
  assert.equal(bannerDue("before_chat", "before_chat"), true);
  assert.equal(bannerDue("before_chat", "widget_load"), false);
  assert.equal(bannerDue("exit_intent", "exit_intent"), true);
  assert.equal(bannerDue("exit_intent", "exit_intent", true), false);
  assert.equal(bannerDue(null, "before_chat"), false);
});
