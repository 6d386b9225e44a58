/*
 * Canned replies in the reply box: typing "/" and the start of a shortcut (/ship) lists
 * the account's canned replies that match; Enter, Tab or a click puts the reply's text in
 * the box (the agent can still edit it before sending). Escape closes the list.
 */
import { api } from "../lib/api.js";
import { el, clear } from "../lib/dom.js";

export function cannedReplies(input, list) {
  let replies = null;
  let shown = [];
  let active = 0;

  async function load() {
    if (replies === null) {
      try { replies = await api("GET", "/canned-replies?limit=500"); } catch (e) { replies = []; }
    }
    return replies;
  }

  function close() {
    list.hidden = true;
    shown = [];
  }

  function choose(reply) {
    input.value = reply.text;
    input.dispatchEvent(new Event("input"));
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function draw() {
    clear(list);
    shown.forEach((reply, index) => {
      list.append(el("li", { role: "option", testid: "inbox-canned-option", "aria-selected": String(index === active),
        "data-shortcut": reply.shortcut, onmousedown: (event) => { event.preventDefault(); choose(reply); } }, [
        el("code", { text: `/${reply.shortcut}` }), " ", el("strong", { text: reply.title }),
        el("span", { class: "preview", text: reply.text }),
      ]));
    });
    list.hidden = shown.length === 0;
  }

  input.addEventListener("input", async () => {
    const match = /^\/([\w-]*)$/.exec(input.value);
    if (!match) { close(); return; }
    const wanted = match[1].toLowerCase();
    const all = await load();
    shown = all.filter((reply) => reply.shortcut.startsWith(wanted)).slice(0, 8);
    active = 0;
    draw();
  });

  input.addEventListener("keydown", (event) => {
    if (list.hidden || !shown.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
      draw();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      event.stopImmediatePropagation();
      choose(shown[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });

  return { refresh() { replies = null; }, isOpen: () => !list.hidden };
}
