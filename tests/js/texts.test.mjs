// Texts come from the server; the widget looks them up and fills in {placeholders}.
import assert from "node:assert/strict";
import { test } from "node:test";

import { refusalText, translator } from "../../reference_server/web/static/widget/texts.js";

const t = translator({
  "widget.typing": "{name} is typing…",
  "widget.agree_first": "Agree first.",
  "widget.conversation_closed": "Ended.",
  "widget.not_sent": "Not sent.",
  "widget.error.rate_limited": "Slow down.",
});

test("texts are looked up and filled in; an unknown key shows itself", () => {
  assert.equal(t("widget.typing", { name: "Kari" }), "Kari is typing…");
  assert.equal(t("widget.nope"), "widget.nope");
  assert.equal(translator(null)("x"), "x");
  assert.equal(t("toString"), "toString"); // not the object's own properties
});

test("a refusal shows its own reason, else the generic one", () => {
  assert.equal(refusalText(t, { code: "consent_required" }), "Agree first.");
  assert.equal(refusalText(t, { code: "conversation_closed" }), "Ended.");
  assert.equal(refusalText(t, { code: "rate_limited" }), "Slow down.");
  assert.equal(refusalText(t, { code: "validation_failed" }), "Not sent.");
  assert.equal(refusalText(t, null), "Not sent.");
});
