// The SDK's event payloads in the shapes HubSpot documents for its Conversations SDK.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SDK_EVENTS, sdkEvent } from "../../reference_server/web/static/widget/sdk.js";

test("conversation events carry {conversation: {conversationId}}", () => {
  for (const name of ["conversationStarted", "conversationClosed", "userSelectedThread"]) {
    assert.deepEqual(sdkEvent[name]("conv_1"), { conversation: { conversationId: "conv_1" } }, name);
  }
});

test("unreadConversationCountChanged carries {unreadCount}", () => {
  assert.deepEqual(sdkEvent.unreadConversationCountChanged(2), { unreadCount: 2 });
});

test("the other events carry a confirmation message", () => {
  for (const name of ["widgetLoaded", "widgetClosed", "userInteractedWithWidget", "contactAssociated"]) {
    const payload = sdkEvent[name]();
    assert.deepEqual(Object.keys(payload), ["message"], name);
    assert.equal(typeof payload.message, "string");
    assert.ok(payload.message.length > 0);
  }
  assert.match(sdkEvent.widgetClosed("minimized").message, /minimized/);
});

test("every documented event is known, each once; each but the bot's quick replies has a payload", () => {
  assert.equal(new Set(SDK_EVENTS).size, 9);
  const withPayload = SDK_EVENTS.filter((name) => name !== "quickReplyButtonClick");
  assert.deepEqual(withPayload.slice().sort(), Object.keys(sdkEvent).sort());
});
