// Display triggers: the one comparison a measurement needs, and which triggers to watch.
// (tests/server/test_widget_conformance.py checks ``fires`` against the domain.)
import assert from "node:assert/strict";
import { test } from "node:test";

import { fires, watched } from "../../reference_server/web/static/widget/triggers.js";

const ALL = { exit_intent: true, time_on_page_seconds: 5, scroll_percentage: 50 };

test("each trigger fires at its threshold, not before", () => {
  assert.equal(fires(ALL, { kind: "time_on_page", value: 4.999 }), false);
  assert.equal(fires(ALL, { kind: "time_on_page", value: 5 }), true);
  assert.equal(fires(ALL, { kind: "scroll", value: 49.9 }), false);
  assert.equal(fires(ALL, { kind: "scroll", value: 50 }), true);
  assert.equal(fires(ALL, { kind: "exit_intent", value: 0 }), true);
});

test("a trigger that is off never fires", () => {
  const none = { exit_intent: false, time_on_page_seconds: null, scroll_percentage: null };
  for (const kind of ["exit_intent", "time_on_page", "scroll", "unknown"]) {
    assert.equal(fires(none, { kind, value: 1e9 }), false);
  }
  assert.equal(fires(null, { kind: "scroll", value: 100 }), false);
});

test("triggers are watched only when firing would change what the widget shows", () => {
  assert.equal(watched({ mode: "hidden", mode_when_triggered: "prompt", triggers: ALL }), ALL);
  assert.equal(watched({ mode: "launcher", mode_when_triggered: "launcher", triggers: ALL }), null);
  assert.equal(watched(null), null);
});
