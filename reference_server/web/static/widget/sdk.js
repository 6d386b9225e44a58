/**
 * The payloads of the events HubSpot's Conversations SDK documents, in its shapes, so an
 * integration written for HubSpot reads the same fields here (docs/widget.md has the
 * compatibility table). One place for them: the widget and the loader both emit these.
 */

const conversation = (id) => ({ conversation: { conversationId: id } });

export const sdkEvent = {
  widgetLoaded: () => ({ message: "The widget has loaded" }),
  widgetClosed: (how = "closed") => ({ message: `The widget was ${how}` }),
  userInteractedWithWidget: () => ({ message: "The visitor interacted with the widget" }),
  conversationStarted: conversation,
  conversationClosed: conversation,
  /** A thread created or picked from the list of the visitor's conversations. */
  userSelectedThread: conversation,
  /** ``count``: conversations with at least one unread message (not messages). */
  unreadConversationCountChanged: (count) => ({ unreadCount: count }),
  contactAssociated: () => ({ message: "The visitor is associated with a contact" }),
};

/** The documented events; ``quickReplyButtonClick`` is HubSpot's for bot quick replies,
 * which this widget does not have: it is accepted by on/off and never fires. */
export const SDK_EVENTS = Object.freeze([
  "conversationStarted",
  "conversationClosed",
  "userSelectedThread",
  "unreadConversationCountChanged",
  "contactAssociated",
  "userInteractedWithWidget",
  "widgetLoaded",
  "quickReplyButtonClick",
  "widgetClosed",
]);
