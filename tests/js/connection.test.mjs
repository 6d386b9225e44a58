// The visitor's WebSocket keeps the line: reconnects with backoff, never sends while down.
import assert from "node:assert/strict";
import { test } from "node:test";

import { backoff, connection } from "../../reference_server/web/static/widget/connection.js";

/** Timers the spec runs by hand. */
function manualTimers() {
  let next = 1;
  const due = new Map();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      due.set(id, { fn, ms });
      return id;
    },
    clearTimeout(id) {
      due.delete(id);
    },
    pending() {
      return [...due.values()].map((entry) => entry.ms);
    },
    runAll() {
      const now = [...due.entries()];
      due.clear();
      now.forEach(([, entry]) => entry.fn());
    },
  };
}

/** A WebSocket stand-in that records what is sent and lets the spec open and drop it. */
function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closedWith = null;
      made.push(this);
    }
    send(text) {
      this.sent.push(JSON.parse(text));
    }
    close(code) {
      this.closedWith = code;
    }
    open() {
      this.onopen();
    }
    drop() {
      this.onclose();
    }
    receive(frame) {
      this.onmessage({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
    }
  }
  return { FakeSocket, made };
}

test("the backoff doubles from a quarter second up to five seconds", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(backoff), [250, 500, 1000, 2000, 4000, 5000, 5000]);
});

test("frames go only while the line is up, and arrive parsed", () => {
  const { FakeSocket, made } = fakeSockets();
  const frames = [];
  let opened = 0;
  const line = connection({
    url: () => "ws://chat/ws/visitor?x=1",
    WebSocketImpl: FakeSocket,
    timers: manualTimers(),
    onOpen: () => opened++,
    onFrame: (frame) => frames.push(frame),
  });
  assert.equal(line.send({ type: "typing" }), false);
  line.connect();
  assert.equal(made.length, 1);
  assert.equal(made[0].url, "ws://chat/ws/visitor?x=1");
  assert.equal(line.send({ type: "typing" }), false); // not open yet
  made[0].open();
  assert.equal(opened, 1);
  assert.equal(line.connected, true);
  assert.equal(line.send({ type: "message", text: "hi" }), true);
  assert.deepEqual(made[0].sent, [{ type: "message", text: "hi" }]);
  made[0].receive({ type: "ack", sequence: 1 });
  made[0].receive("not json");
  assert.deepEqual(frames, [{ type: "ack", sequence: 1 }]);
});

test("a dropped line reconnects after the backoff, and again on each failure", () => {
  const { FakeSocket, made } = fakeSockets();
  const timers = manualTimers();
  let downs = 0;
  let opens = 0;
  const line = connection({
    url: () => "ws://chat",
    WebSocketImpl: FakeSocket,
    timers,
    onDown: () => downs++,
    onOpen: () => opens++,
  });
  line.connect();
  made[0].open();
  made[0].drop();
  assert.equal(downs, 1);
  assert.equal(line.connected, false);
  assert.equal(line.send({ type: "x" }), false);
  assert.deepEqual(timers.pending(), [250]);
  timers.runAll();
  assert.equal(made.length, 2);
  made[1].drop(); // refused again
  assert.deepEqual(timers.pending(), [500]);
  timers.runAll();
  made[2].open();
  assert.equal(opens, 2);
  made[2].drop();
  assert.deepEqual(timers.pending(), [250]); // a good connection resets the backoff
});

test("connect while connecting or waiting does not open a second socket", () => {
  const { FakeSocket, made } = fakeSockets();
  const timers = manualTimers();
  const line = connection({ url: () => "ws://chat", WebSocketImpl: FakeSocket, timers });
  line.connect();
  line.connect();
  assert.equal(made.length, 1);
  made[0].drop();
  line.connect(); // the visitor writes while the line waits to retry: try now
  assert.equal(made.length, 2);
  assert.deepEqual(timers.pending(), []);
});

test("a socket that cannot even be made is retried", () => {
  const timers = manualTimers();
  let attempts = 0;
  class Broken {
    constructor() {
      attempts++;
      throw new Error("blocked");
    }
  }
  const line = connection({ url: () => "ws://chat", WebSocketImpl: Broken, timers });
  line.connect();
  assert.equal(attempts, 1);
  assert.deepEqual(timers.pending(), [250]);
  timers.runAll();
  assert.equal(attempts, 2);
});

test("stop closes the line for good", () => {
  const { FakeSocket, made } = fakeSockets();
  const timers = manualTimers();
  let downs = 0;
  const line = connection({ url: () => "ws://chat", WebSocketImpl: FakeSocket, timers, onDown: () => downs++ });
  line.connect();
  made[0].open();
  line.stop();
  assert.equal(made[0].closedWith, 1000);
  made[0].drop(); // its close event comes later: ignored
  assert.equal(downs, 0);
  assert.deepEqual(timers.pending(), []);
  line.connect();
  assert.equal(made.length, 1);
});

test("an address that comes as a promise (a socket ticket) opens the socket once it is there", async () => {
  const { FakeSocket, made } = fakeSockets();
  const timers = manualTimers();
  let asked = 0;
  const line = connection({
    url: () => {
      asked += 1;
      return Promise.resolve(`wss://chat.example/ws/visitor?ticket=t${asked}`);
    },
    WebSocketImpl: FakeSocket,
    timers,
  });
  line.connect();
  line.connect(); // a second call while asking does not ask again
  assert.equal(made.length, 0);
  assert.ok(line.started);
  await Promise.resolve();
  assert.deepEqual(made.map((socket) => socket.url), ["wss://chat.example/ws/visitor?ticket=t1"]);
  made[0].open();
  made[0].drop();
  timers.runAll();
  await Promise.resolve();
  assert.equal(made[1].url, "wss://chat.example/ws/visitor?ticket=t2"); // a fresh ticket each time
});

test("a refused ticket is retried with backoff", async () => {
  const { FakeSocket, made } = fakeSockets();
  const timers = manualTimers();
  const line = connection({
    url: () => Promise.reject(new Error("429")),
    WebSocketImpl: FakeSocket,
    timers,
  });
  line.connect();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(made.length, 0);
  assert.deepEqual(timers.pending(), [250]);
});
