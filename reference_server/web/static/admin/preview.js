/*
 * The preview (CF4): the real widget, rendered from the unsaved draft, in a desktop, tablet
 * or mobile frame, in any availability state, with a button per display trigger.
 *
 * The server decides what the widget shows for the draft (POST /api/v1/chatflow-previews:
 * the same decision as a page's config call, for a device and a state); the frame
 * (/admin/preview-frame) mounts the widget with that answer the way the loader does and
 * fires a trigger the way the loader does when one fires on a page.
 */
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";

export const DEVICES = {
  desktop: { width: 1280, height: 800, label: "Desktop" },
  tablet: { width: 768, height: 1024, label: "Tablet" },
  mobile: { width: 390, height: 844, label: "Mobile" },
};
const STATES = [
  ["", "As it is now"],
  ["available", "Available"],
  ["away", "Away"],
  ["offline", "Offline"],
  ["at_capacity", "At capacity"],
];
const TRIGGERS = [
  ["exit_intent", "Exit intent", (t) => t.exit_intent],
  ["time_on_page", "Time on page", (t) => t.time_on_page_seconds !== null && t.time_on_page_seconds !== undefined],
  ["scroll", "Scroll", (t) => t.scroll_percentage !== null && t.scroll_percentage !== undefined],
];

export function previewPanel(draftOf) {
  let device = "desktop";
  let state = "";
  let timer = null;
  let sequence = 0;
  let latestConfig = null;

  const frame = el("iframe", { src: "/admin/preview-frame", title: "Widget preview", testid: "preview-frame",
    class: "preview-frame" });
  const stage = el("div", { class: "preview-stage" }, [frame]);
  const message = el("p", { class: "preview-message", testid: "preview-message", hidden: true });
  const deviceButtons = Object.entries(DEVICES).map(([name, spec]) =>
    el("button", { type: "button", "data-device": name, testid: `preview-device-${name}`, text: spec.label,
      "aria-pressed": String(name === device), onclick: () => { device = name; layout(); refresh(); } }));
  const stateSelect = el("select", { testid: "preview-state", "aria-label": "Availability state" },
    STATES.map(([value, text]) => el("option", { value, text })));
  stateSelect.addEventListener("change", () => { state = stateSelect.value; refresh(); });
  const triggerButtons = TRIGGERS.map(([kind, text]) =>
    el("button", { type: "button", testid: `preview-trigger-${kind}`, text, "data-trigger": kind,
      onclick: () => post({ type: "trigger", kind }) }));

  const panel = el("section", { class: "preview", testid: "preview-panel", "data-device": device }, [
    el("div", { class: "preview-controls" }, [
      el("div", { class: "segmented", role: "group", "aria-label": "Device" }, deviceButtons),
      el("label", { class: "inline-label" }, ["State ", stateSelect]),
      el("div", { class: "triggers", role: "group", "aria-label": "Fire a trigger" },
        [el("span", { class: "muted", text: "Fire:" }), ...triggerButtons]),
    ]),
    message,
    stage,
  ]);

  function post(data) {
    if (data.type === "config") latestConfig = data;
    // A frame still loading misses this; it says "ready" once it listens and gets it then.
    if (frame.contentWindow) frame.contentWindow.postMessage(data, location.origin);
  }

  function layout() {
    const spec = DEVICES[device];
    panel.setAttribute("data-device", device);
    deviceButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.device === device)));
    const room = Math.max(240, panel.clientWidth || spec.width);
    const tall = Math.max(320, window.innerHeight * 0.7);
    const scale = Math.min(1, room / spec.width, tall / spec.height);
    frame.width = String(spec.width);
    frame.height = String(spec.height);
    frame.style.transform = `scale(${scale})`;
    stage.style.width = `${Math.floor(spec.width * scale)}px`;
    stage.style.height = `${Math.ceil(spec.height * scale)}px`;
  }

  async function refresh() {
    clearTimeout(timer);
    const draft = draftOf();
    if (!draft) return;
    const mine = ++sequence;
    panel.dataset.pending = "true";
    const triggers = (draft.display && draft.display.triggers) || {};
    triggerButtons.forEach((button, i) => {
      const on = TRIGGERS[i][2](triggers);
      button.disabled = !on;
      button.title = on ? "" : "This trigger is off in Display";
    });
    try {
      const config = await api("POST", "/chatflow-previews", {
        chatflow: draft, device, ...(state ? { state } : {}),
      });
      if (mine !== sequence) return;
      message.hidden = true;
      panel.setAttribute("data-state", config.availability.state);
      post({ type: "config", config, sequence: mine });
    } catch (error) {
      if (mine !== sequence) return;
      message.hidden = false;
      message.textContent = error.status === 422
        ? "The preview shows once the highlighted fields are fixed."
        : `No preview: ${error.message}`;
      delete panel.dataset.pending;
    }
  }

  // The frame says when it shows a configuration; the latest one ends the wait.
  window.addEventListener("message", (event) => {
    if (event.origin !== location.origin || event.source !== frame.contentWindow) return;
    // "ready" comes each time the frame's document starts listening — also after the browser
    // reloads the frame because the editor moved it in the page.
    if (event.data && event.data.type === "ready" && latestConfig) post(latestConfig);
    if (event.data && event.data.type === "shown" && event.data.sequence === sequence) {
      delete panel.dataset.pending;
    }
  });
  window.addEventListener("resize", layout);
  return {
    element: panel,
    /** Redraw soon (after an edit) or now. */
    changed(now = false) {
      clearTimeout(timer);
      if (now) refresh(); else timer = setTimeout(refresh, 350);
    },
    shown() { layout(); refresh(); },
  };
}
