// Ordering by sequence number: each number shown once, in order, whatever order it came in.
import assert from "node:assert/strict";
import { test } from "node:test";

import { insertionIndex, sequences } from "../../reference_server/web/static/widget/thread.js";

test("the insertion index is after every number not above it", () => {
  assert.equal(insertionIndex([], 5), 0);
  assert.equal(insertionIndex([1, 2, 4], 3), 2);
  assert.equal(insertionIndex([1, 2, 4], 4), 3);
  assert.equal(insertionIndex([1, 2, 4], 9), 3);
  assert.equal(insertionIndex([2, 4], 1), 0);
});

test("a number goes before the next higher one, or at the end", () => {
  const shown = sequences();
  assert.equal(shown.add(2), null);
  assert.equal(shown.add(5), null);
  assert.equal(shown.add(3), 5); // a late catch-up: before 5
  assert.equal(shown.add(1), 2);
  assert.equal(shown.last, 5);
});

test("a number shown already is refused (an ack after the live copy, a replay)", () => {
  const shown = sequences();
  shown.add(1);
  shown.add(2);
  assert.equal(shown.add(2), undefined);
  assert.equal(shown.has(2), true);
  assert.equal(shown.has(3), false);
});

test("only whole numbers from 1 count", () => {
  const shown = sequences();
  for (const bad of [0, -1, 1.5, Number.NaN, "3", null]) assert.equal(shown.add(bad), undefined);
  assert.equal(shown.last, 0);
});

test("clearing starts a new conversation's numbering", () => {
  const shown = sequences();
  shown.add(7);
  shown.clear();
  assert.equal(shown.last, 0);
  assert.equal(shown.add(1), null);
});

test("any arrival order gives the same thread", () => {
  const numbers = [4, 1, 3, 2, 6, 5, 2, 4];
  const shown = sequences();
  const order = [];
  for (const n of numbers) {
    const before = shown.add(n);
    if (before === undefined) continue;
    const at = before === null ? order.length : order.indexOf(before);
    order.splice(at, 0, n);
  }
  assert.deepEqual(order, [1, 2, 3, 4, 5, 6]);
});
