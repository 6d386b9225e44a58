/**
 * Message bubbles: the welcome message, the visitor's and the agents' messages, "sending"
 * and "failed" states (a refused message keeps its text and shows the reason with a Retry
 * button), and the "Read" receipt under the visitor's last message an agent has read.
 */

import { h } from "./dom.js";

function kindOf(message) {
  if (message.sender_kind === "visitor") return "visitor";
  if (message.sender_kind === "welcome") return "welcome";
  if (message.sender_kind === "system") return "system";
  return "agent";
}

/** A bubble. Agents are named as the server shows them (the brand under the alias, BD4). */
export function messageElement(message) {
  const kind = kindOf(message);
  const name = kind === "visitor" ? null : message.sender && message.sender.name;
  const element = h("div", { class: `lc-msg lc-msg-${kind}`, testid: "lc-message", "data-sender": kind }, [
    name ? h("div", { class: "lc-msg-sender", testid: "lc-message-sender", text: name }) : null,
    h("div", { class: "lc-msg-text", testid: "lc-message-text", text: message.text }),
  ]);
  if (message.sequence) element.setAttribute("data-sequence", String(message.sequence));
  if (message.client_id) element.setAttribute("data-client-id", message.client_id);
  if (message.read_at && kind === "visitor") element.setAttribute("data-read", "true");
  return element;
}

/** The bubble is waiting for the server. */
export function markSending(element) {
  element.setAttribute("data-state", "sending");
  const problem = element.querySelector(".lc-msg-problem");
  if (problem) problem.remove();
}

/** The server refused the message: the reason, visible, and a way to send it again. */
export function markFailed(element, reason, retryLabel, onRetry) {
  element.setAttribute("data-state", "failed");
  const old = element.querySelector(".lc-msg-problem");
  if (old) old.remove();
  element.appendChild(
    h("div", { class: "lc-msg-problem", role: "alert" }, [
      h("span", { testid: "lc-message-error", text: reason }),
      h("button", {
        class: "lc-link",
        type: "button",
        testid: "lc-message-retry",
        text: retryLabel,
        onclick: onRetry,
      }),
    ]),
  );
}

/** The server stored it with this sequence number. */
export function markStored(element, sequence) {
  element.removeAttribute("data-state");
  element.setAttribute("data-sequence", String(sequence));
  const problem = element.querySelector(".lc-msg-problem");
  if (problem) problem.remove();
}

/** "Read" under the last of the visitor's messages marked read in ``container``. */
export function updateReceipt(container, label) {
  const old = container.querySelector('[data-testid="lc-read"]');
  const read = container.querySelectorAll('.lc-msg-visitor[data-read="true"]');
  const last = read.length ? read[read.length - 1] : null;
  if (old && old.parentNode === last) return;
  if (old) old.remove();
  if (last) last.appendChild(h("div", { class: "lc-receipt", testid: "lc-read", text: label }));
}
