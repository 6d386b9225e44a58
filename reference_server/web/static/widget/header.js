/**
 * The chat window's header: the people who answer and one line about availability, as the
 * server presents the conversation (or the new conversation) — see presentation.py. Also
 * the buttons to the list of the visitor's conversations and to minimize.
 */

import { ICONS, avatar, h, icon } from "./dom.js";

export function buildHeader({ t, inline, onThreads, onMinimize }) {
  const avatars = h("div", { class: "lc-avatars" });
  const name = h("div", { class: "lc-heading-name", testid: "lc-heading-name" });
  const line = h("div", { class: "lc-availability", testid: "lc-availability", hidden: true });
  const threads = h(
    "button",
    {
      class: "lc-icon-button",
      type: "button",
      testid: "lc-threads-button",
      "aria-label": t("widget.past_conversations"),
      title: t("widget.past_conversations"),
      onclick: onThreads,
    },
    [icon(ICONS.list, true)],
  );
  const minimize = inline
    ? null
    : h(
        "button",
        {
          class: "lc-icon-button",
          type: "button",
          testid: "lc-minimize",
          "aria-label": t("widget.minimize"),
          onclick: onMinimize,
        },
        [icon(ICONS.close, true)],
      );
  const element = h("header", { class: "lc-header", testid: "lc-heading" }, [
    avatars,
    h("div", { class: "lc-heading-text" }, [name, line]),
    threads,
    minimize,
  ]);
  return {
    element,
    /** Show a presentation's header ({people, line}); ``t`` is its language. */
    show(header, tr) {
      const people = (header && header.people) || [];
      avatars.textContent = "";
      people.slice(0, 3).forEach((person) => avatars.appendChild(avatar(person)));
      const names = people.map((person) => person.name).filter(Boolean).join(", ");
      name.textContent = names || tr("widget.chat");
      line.textContent = (header && header.line) || "";
      line.hidden = !line.textContent;
      threads.setAttribute("aria-label", tr("widget.past_conversations"));
      threads.title = tr("widget.past_conversations");
    },
  };
}
