// The rows of the visitor's list of conversations: what each shows of its newest message.
import assert from "node:assert/strict";
import { test } from "node:test";

import { translator } from "../../reference_server/web/static/widget/texts.js";
import { threadPreview, threadTime } from "../../reference_server/web/static/widget/threads.js";

const t = translator({ "widget.you_wrote": "You: {text}" });

test("the visitor's own message is marked as theirs; a reply shows as it is", () => {
  assert.equal(threadPreview({ sender_kind: "visitor", text: "Where is it?" }, t), "You: Where is it?");
  assert.equal(threadPreview({ sender_kind: "agent", text: "Tomorrow" }, t), "Tomorrow");
  assert.equal(threadPreview({ sender_kind: "system", text: "Closed" }, t), "Closed");
});

test("no message yet: no preview", () => {
  assert.equal(threadPreview(null, t), "");
  assert.equal(threadPreview(undefined, t), "");
  assert.equal(threadPreview({ sender_kind: "agent", text: "" }, t), "");
});

test("a row's time is its newest message's, else the conversation's start", () => {
  const started = "2026-01-05T09:00:00Z";
  const replied = "2026-01-05T09:30:00Z";
  assert.equal(threadTime({ created_at: started, last_message: { created_at: replied } }), replied);
  assert.equal(threadTime({ created_at: started, last_message: null }), started);
});
