/**
 * What the visitor wrote that the server has not stored yet: resend and acknowledgement.
 *
 * Each message gets a client id when it is written and keeps it through every resend, so
 * the server stores it once (a resend is answered with the stored original). A message is
 * "sending" until the server acknowledges it, or "failed" with the server's refusal until
 * the visitor retries. The outbox lives in the tab's sessionStorage: a reload or the next
 * page finds what was not stored and sends it again — nothing is silently dropped.
 */

function newClientId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

/** An outbox kept under ``key`` in ``storage`` (any object with getItem / setItem /
 * removeItem; null keeps it in memory only). */
export function outbox({ storage = null, key = "livechat:outbox", makeId = newClientId } = {}) {
  let items = load();

  function load() {
    if (!storage) return [];
    try {
      const stored = JSON.parse(storage.getItem(key) || "[]");
      return Array.isArray(stored)
        ? stored.filter((item) => item && typeof item.clientId === "string" && typeof item.text === "string")
        : [];
    } catch (error) {
      return [];
    }
  }

  function save() {
    if (!storage) return;
    try {
      if (items.length) storage.setItem(key, JSON.stringify(items));
      else storage.removeItem(key);
    } catch (error) {
      /* storage refused: the outbox still works for this page */
    }
  }

  function find(clientId) {
    return items.find((item) => item.clientId === clientId) || null;
  }

  function change(clientId, values) {
    const item = find(clientId);
    if (!item) return null;
    Object.assign(item, values);
    save();
    return { ...item };
  }

  return {
    /** A new message to ``conversationId`` (null: the conversation it will start). */
    add(text, conversationId = null) {
      const item = { clientId: makeId(), text, conversationId, state: "sending", error: null };
      items.push(item);
      save();
      return { ...item };
    },
    /** The server stored it: it leaves the outbox. */
    acknowledged(clientId) {
      const before = items.length;
      items = items.filter((item) => item.clientId !== clientId);
      if (items.length !== before) save();
    },
    /** The server refused it: kept, with the refusal, until the visitor retries. */
    failed(clientId, error) {
      return change(clientId, { state: "failed", error: error || null });
    },
    /** The visitor retries: it is sending again, with the same client id. */
    retry(clientId) {
      return change(clientId, { state: "sending", error: null });
    },
    /** The conversation the waiting messages without one started. */
    started(conversationId) {
      items.filter((item) => item.conversationId === null).forEach((item) => {
        item.conversationId = conversationId;
      });
      save();
    },
    /** Every waiting message now goes to ``conversationId`` (null: the next conversation
     * started): after a reload, or when the conversation they were for has ended. */
    retarget(conversationId) {
      items.forEach((item) => {
        item.conversationId = conversationId;
      });
      save();
    },
    get(clientId) {
      const item = find(clientId);
      return item ? { ...item } : null;
    },
    /** Every message not stored yet, in the order written. */
    all() {
      return items.map((item) => ({ ...item }));
    },
    /** The messages to (re)send now, in the order written. */
    sending() {
      return items.filter((item) => item.state === "sending").map((item) => ({ ...item }));
    },
    clear() {
      items = [];
      save();
    },
  };
}
