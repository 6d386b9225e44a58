/**
 * The visitor's unread replies, per conversation. The launcher's badge counts messages;
 * HubSpot's ``unreadConversationCountChanged`` counts conversations with at least one
 * unread message, and fires only when that number changes.
 */

export function unreadTally() {
  const counts = new Map(); // conversation id -> agent messages not read
  let conversations = 0;
  return {
    /** Set one conversation's count; returns {messages, conversations, changed}, where
     * ``changed`` says the number of conversations with unread messages moved. */
    set(conversationId, count) {
      const n = Number.isInteger(count) && count > 0 ? count : 0;
      if (n) counts.set(conversationId, n);
      else counts.delete(conversationId);
      let messages = 0;
      counts.forEach((value) => {
        messages += value;
      });
      const changed = counts.size !== conversations;
      conversations = counts.size;
      return { messages, conversations, changed };
    },
    /** One more unread message in a conversation. */
    add(conversationId, more = 1) {
      return this.set(conversationId, (counts.get(conversationId) || 0) + more);
    },
    get(conversationId) {
      return counts.get(conversationId) || 0;
    },
  };
}
