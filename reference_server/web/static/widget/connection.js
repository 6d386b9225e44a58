/**
 * The visitor's WebSocket (/ws/visitor): connect, reconnect with backoff (0.25 s doubling
 * to 5 s) whenever the line drops, and send frames while connected. What to do after a
 * (re)connect — resume from the last sequence, resend what was not acknowledged — is the
 * caller's (onOpen); this module only keeps the line.
 *
 * ``url()`` gives the address, or a Promise of it (the widget asks for a single-use socket
 * ticket first). WebSocket and the timers are passed in, so the specs drive them without a
 * network.
 */

export const FIRST_DELAY_MS = 250;
export const MAX_DELAY_MS = 5000;

/** The wait before reconnect attempt number ``attempt`` (0 first). */
export function backoff(attempt) {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
}

export function connection({
  url,
  onOpen = () => {},
  onFrame = () => {},
  onDown = () => {},
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
}) {
  let socket = null;
  let open = false;
  let attempts = 0;
  let timer = null;
  let stopped = false;

  let asking = false; // waiting for url() when it answers with a Promise (a socket ticket)

  function connect() {
    if (stopped || socket || asking) return;
    timers.clearTimeout(timer);
    timer = null;
    let where;
    try {
      where = url();
    } catch (error) {
      retry();
      return;
    }
    if (where && typeof where.then === "function") {
      asking = true;
      where.then(
        (address) => {
          asking = false;
          if (!stopped && !socket) openAt(address);
        },
        () => {
          asking = false;
          retry();
        }
      );
      return;
    }
    openAt(where);
  }

  function openAt(address) {
    let made;
    try {
      made = new WebSocketImpl(address);
    } catch (error) {
      retry();
      return;
    }
    socket = made;
    made.onopen = () => {
      if (socket !== made) return;
      open = true;
      attempts = 0;
      onOpen();
    };
    made.onmessage = (event) => {
      if (socket !== made) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return; // not ours
      }
      onFrame(frame);
    };
    made.onclose = () => {
      if (socket !== made) return;
      socket = null;
      open = false;
      if (stopped) return;
      onDown();
      retry();
    };
    made.onerror = () => {}; // onclose follows
  }

  function retry() {
    if (stopped || timer !== null) return;
    const delay = backoff(attempts);
    attempts += 1;
    timer = timers.setTimeout(() => {
      timer = null;
      connect();
    }, delay);
  }

  return {
    connect,
    /** Send a frame now; false when the line is down (the caller keeps it for later). */
    send(frame) {
      if (!open || !socket) return false;
      try {
        socket.send(JSON.stringify(frame));
        return true;
      } catch (error) {
        return false;
      }
    },
    get connected() {
      return open;
    },
    get started() {
      return socket !== null || timer !== null || asking;
    },
    /** Stop for good (the widget is removed). */
    stop() {
      stopped = true;
      timers.clearTimeout(timer);
      timer = null;
      if (socket) {
        const gone = socket;
        socket = null;
        open = false;
        try {
          gone.close(1000);
        } catch (error) {
          /* already closed */
        }
      }
    },
  };
}
