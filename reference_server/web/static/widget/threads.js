/**
 * The list of the visitor's conversations (newest first), so a visitor can go back to an
 * earlier one — and an integration hears ``userSelectedThread`` when they do. Each row
 * shows who answered (the conversation's own presentation), the newest message and when it
 * came, whether the conversation is open and whether it has unread replies.
 */

import { avatar, h } from "./dom.js";

function when(iso, language) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  try {
    return when.toLocaleString(language === "nb" ? "nb-NO" : "en-GB", {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
  } catch (error) {
    return when.toISOString().slice(0, 16).replace("T", " ");
  }
}

/** What a row shows of the newest message: the visitor's own with "You: " before it, a
 * reply as it is, nothing before the first message. */
export function threadPreview(last, t) {
  if (!last || !last.text) return "";
  return last.sender_kind === "visitor" ? t("widget.you_wrote", { text: last.text }) : last.text;
}

/** When a row's conversation last moved: its newest message, else its start. */
export function threadTime(conversation) {
  return (conversation.last_message && conversation.last_message.created_at) || conversation.created_at;
}

export function threadList({ onSelect, onNew }) {
  const list = h("ul", { class: "lc-thread-list", testid: "lc-thread-list" });
  const empty = h("p", { class: "lc-muted", testid: "lc-threads-empty", hidden: true });
  const title = h("h2", { class: "lc-threads-title" });
  const newThread = h("button", {
    class: "lc-button lc-wide",
    type: "button",
    testid: "lc-threads-new",
    onclick: onNew,
  });
  const element = h("div", { class: "lc-threads", testid: "lc-threads", hidden: true }, [
    title,
    list,
    empty,
    newThread,
  ]);
  return {
    element,
    /** Show ``conversations`` (visitor views); ``current`` is the id on screen. */
    show(conversations, { t, language, current, allowNew }) {
      title.textContent = t("widget.past_conversations");
      newThread.textContent = t("widget.new_conversation");
      newThread.hidden = !allowNew;
      empty.textContent = t("widget.no_past_conversations");
      empty.hidden = conversations.length > 0;
      list.textContent = "";
      for (const conversation of conversations) {
        const people = (conversation.presentation && conversation.presentation.header.people) || [];
        const names = people.map((person) => person.name).filter(Boolean).join(", ") || t("widget.chat");
        const open = conversation.status !== "closed";
        const preview = threadPreview(conversation.last_message, t);
        list.appendChild(
          h("li", {}, [
            h(
              "button",
              {
                class: "lc-thread",
                type: "button",
                testid: "lc-thread",
                "data-conversation-id": conversation.id,
                "data-status": conversation.status,
                "aria-current": conversation.id === current ? "true" : null,
                onclick: () => onSelect(conversation),
              },
              [
                people[0] ? avatar(people[0]) : null,
                h("span", { class: "lc-thread-text" }, [
                  h("span", { class: "lc-thread-name", text: names }),
                  preview ? h("span", { class: "lc-thread-preview", testid: "lc-thread-preview", text: preview }) : null,
                  h("span", {
                    class: "lc-thread-meta",
                    text: `${when(threadTime(conversation), language)} · ${t(open ? "widget.conversation_open" : "widget.conversation_ended")}`,
                  }),
                ]),
                conversation.unread > 0
                  ? h("span", { class: "lc-unread-dot", testid: "lc-thread-unread", text: String(conversation.unread) })
                  : null,
              ],
            ),
          ]),
        );
      }
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
  };
}
