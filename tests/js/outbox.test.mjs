// Resend and acknowledgement: what the server has not stored waits, keeps its client id,
// survives a reload (sessionStorage), and is never dropped silently.
import assert from "node:assert/strict";
import { test } from "node:test";

import { outbox } from "../../reference_server/web/static/widget/outbox.js";

function memoryStorage() {
  const data = new Map();
  return {
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
    data,
  };
}

function ids() {
  let n = 0;
  return () => `c${++n}`;
}

test("a message waits until acknowledged, keeping its client id", () => {
  const box = outbox({ makeId: ids() });
  const first = box.add("hello", "cnv_1");
  const second = box.add("again", "cnv_1");
  assert.deepEqual(first, { clientId: "c1", text: "hello", conversationId: "cnv_1", state: "sending", error: null });
  assert.deepEqual(box.sending().map((item) => item.clientId), ["c1", "c2"]);
  box.acknowledged("c1");
  assert.deepEqual(box.all().map((item) => item.text), ["again"]);
  box.acknowledged("nope");
  assert.equal(box.all().length, 1);
});

test("a refused message is kept with the refusal and sent again on retry", () => {
  const box = outbox({ makeId: ids() });
  box.add("needs consent", "cnv_1");
  const failed = box.failed("c1", { code: "consent_required", message: "agree first" });
  assert.equal(failed.state, "failed");
  assert.deepEqual(box.sending(), []); // not resent by itself
  assert.equal(box.all().length, 1);
  const again = box.retry("c1");
  assert.deepEqual(again, { clientId: "c1", text: "needs consent", conversationId: "cnv_1", state: "sending", error: null });
  assert.equal(box.retry("unknown"), null);
  assert.equal(box.failed("unknown", null), null);
});

test("messages written before the conversation existed go to the one they started", () => {
  const box = outbox({ makeId: ids() });
  box.add("first", null);
  box.add("second", null);
  box.add("elsewhere", "cnv_0");
  box.started("cnv_9");
  assert.deepEqual(box.all().map((item) => item.conversationId), ["cnv_9", "cnv_9", "cnv_0"]);
  box.retarget(null);
  assert.deepEqual(box.all().map((item) => item.conversationId), [null, null, null]);
});

test("the outbox outlives the page: a reload finds what was not stored", () => {
  const storage = memoryStorage();
  const before = outbox({ storage, key: "k", makeId: ids() });
  before.add("written before the reload", "cnv_1");
  before.add("refused", "cnv_1");
  before.failed("c2", { code: "rate_limited" });
  const after = outbox({ storage, key: "k" });
  assert.deepEqual(after.all(), before.all());
  assert.deepEqual(after.sending().map((item) => item.text), ["written before the reload"]);
  after.acknowledged("c1");
  after.acknowledged("c2");
  assert.equal(storage.data.has("k"), false); // nothing left: nothing stored
});

test("unreadable or refused storage never breaks the outbox", () => {
  const garbage = memoryStorage();
  garbage.setItem("k", "{not json");
  assert.deepEqual(outbox({ storage: garbage, key: "k" }).all(), []);
  const strange = memoryStorage();
  strange.setItem("k", JSON.stringify([{ clientId: 3 }, null, { clientId: "ok", text: "kept" }]));
  assert.deepEqual(outbox({ storage: strange, key: "k" }).all().map((item) => item.text), ["kept"]);
  const full = {
    getItem: () => null,
    setItem: () => {
      throw new Error("quota");
    },
    removeItem: () => {},
  };
  const box = outbox({ storage: full, key: "k", makeId: ids() });
  box.add("still here", null);
  assert.equal(box.all().length, 1);
  box.clear();
  assert.deepEqual(box.all(), []);
});

test("copies are handed out, so callers cannot change the outbox by accident", () => {
  const box = outbox({ makeId: ids() });
  const item = box.add("mine", "cnv_1");
  item.text = "changed";
  box.get("c1").state = "failed";
  assert.equal(box.get("c1").text, "mine");
  assert.equal(box.get("c1").state, "sending");
  assert.equal(box.get("nope"), null);
});

test("client ids are unique without a given maker", () => {
  const box = outbox();
  const seen = new Set(Array.from({ length: 50 }, () => box.add("x").clientId));
  assert.equal(seen.size, 50);
});
