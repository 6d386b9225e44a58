/*
 * The widget set-up (CF2): accent colour; chat heading, welcome message and assignment;
 * availability — in the seed's three steps. Saved as the account's defaults
 * (PATCH /api/v1/account widget_defaults), which every new chatflow starts from. The first
 * time someone creates a chatflow, this comes first and then leads on to the chatflow.
 */
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { EDITORS } from "./editors.js";
import { renderFields, showErrors } from "./form.js";

const STEPS = [
  ["display", "1. Display", ["accent_color"], "Choose the accent colour of the chat widget."],
  ["chat", "2. Chatflow", ["heading", "welcome_message", "assignment"],
    "The name and avatar the widget shows, the welcome message, and who incoming chats are assigned to."],
  ["availability", "3. Availability", ["availability"],
    "When your team is available to chat, and what visitors see when it is not."],
];

export async function setupPage(app, first) {
  const account = await api("GET", "/account");
  const defaults = structuredClone(account.widget_defaults);
  const canEdit = app.can("users");
  const ctx = { schemas: app.schemas, data: app.data, custom: EDITORS, readOnly: !canEdit, changed() {} };
  const schema = app.schemas.AccountDefaults;
  const summary = el("div", { class: "error-summary", testid: "setup-errors", hidden: true });
  let step = 0;
  const panes = STEPS.map(([key, , fields, hint]) => el("div", { class: "step", "data-step": key,
    testid: `setup-step-${key}` }, [el("p", { class: "hint", text: hint }), renderFields(ctx, schema, defaults, "", fields)]));
  const stepButtons = STEPS.map(([key, label], index) => el("button", { type: "button", role: "tab", text: label,
    testid: `setup-tab-${key}`, onclick: () => show(index) }));
  const back = el("button", { type: "button", text: "Back", testid: "setup-back", onclick: () => show(step - 1) });
  const next = el("button", { type: "button", class: "primary", text: "Next", testid: "setup-next",
    onclick: () => (step < STEPS.length - 1 ? show(step + 1) : save()) });

  function show(index) {
    step = Math.max(0, Math.min(STEPS.length - 1, index));
    panes.forEach((pane, i) => { pane.hidden = i !== step; });
    stepButtons.forEach((button, i) => button.setAttribute("aria-selected", String(i === step)));
    back.disabled = step === 0;
    next.textContent = step === STEPS.length - 1 ? (first ? "Save and create a chatflow" : "Save set-up") : "Next";
    next.disabled = step === STEPS.length - 1 && !canEdit;
  }

  async function save() {
    try {
      await api("PATCH", "/account", { widget_defaults: defaults });
      showErrors(root, {}, summary);
      app.toast("The widget set-up is saved: new chatflows start from it.");
      if (first) app.go("#/chatflows/new");
    } catch (error) {
      const fields = {};
      for (const [path, text] of Object.entries(error.fields || {})) {
        fields[path.replace(/^widget_defaults\.?/, "")] = text;
      }
      if (!Object.keys(fields).length) fields[""] = error.message;
      showErrors(root, fields, summary);
      const bad = STEPS.findIndex(([, , names]) => Object.keys(fields).some((p) => names.some((n) => p.startsWith(n))));
      if (bad >= 0) show(bad);
    }
  }

  const root = el("section", { class: "page narrow", testid: "setup-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: first ? "Set up the chat widget" : "Widget set-up" })]),
    el("p", { class: "lead", text: first
      ? "This is your first chatflow: set up the widget first. These settings become the defaults of every new chatflow."
      : "The defaults every new chatflow starts from. Chatflows you have made keep their own settings." }),
    canEdit ? null : el("p", { class: "notice", text: "Changing the set-up needs the users permission." }),
    el("nav", { class: "tabs steps", role: "tablist" }, stepButtons),
    summary,
    el("div", { class: "card" }, panes),
    el("div", { class: "row end" }, [back, next]),
  ]);
  show(0);
  return root;
}
