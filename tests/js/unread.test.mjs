// unreadConversationCountChanged counts conversations with unread messages (HubSpot's
// meaning), not messages; the badge counts messages.
import assert from "node:assert/strict";
import { test } from "node:test";

import { unreadTally } from "../../reference_server/web/static/widget/unread.js";

test("two replies in one conversation: two messages, one conversation", () => {
  const tally = unreadTally();
  assert.deepEqual(tally.add("a"), { messages: 1, conversations: 1, changed: true });
  assert.deepEqual(tally.add("a"), { messages: 2, conversations: 1, changed: false });
  assert.equal(tally.get("a"), 2);
});

test("a second conversation with replies changes the count; reading one lowers it", () => {
  const tally = unreadTally();
  tally.set("a", 3);
  assert.deepEqual(tally.set("b", 1), { messages: 4, conversations: 2, changed: true });
  assert.deepEqual(tally.set("a", 0), { messages: 1, conversations: 1, changed: true });
  assert.deepEqual(tally.set("b", 0), { messages: 0, conversations: 0, changed: true });
  assert.equal(tally.get("a"), 0);
});

test("nothing unread to begin with is no change; bad counts count as none", () => {
  const tally = unreadTally();
  assert.deepEqual(tally.set("a", 0), { messages: 0, conversations: 0, changed: false });
  assert.deepEqual(tally.set("a", -2), { messages: 0, conversations: 0, changed: false });
  assert.deepEqual(tally.set("a", Number.NaN), { messages: 0, conversations: 0, changed: false });
  assert.deepEqual(tally.set("a", 1.5), { messages: 0, conversations: 0, changed: false });
  assert.deepEqual(tally.add("a", 2), { messages: 2, conversations: 1, changed: true });
});
