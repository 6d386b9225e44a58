/*
 * The chatflow editor (CF7): the seed's tabs — Build, Target, Display, Options — each the
 * section of the settings model with every field, a Save that sends the whole chatflow
 * (validated whole by the server, with If-Match: its version), every refused field's
 * message beside it (its tab marked), a version conflict explained with a way out, the
 * publish switch (CF3) and the preview (CF4) beside the form.
 */
import { api } from "../lib/api.js";
import { el, clear } from "../lib/dom.js";
import { EDITORS } from "./editors.js";
import { renderField, renderFields, showErrors } from "./form.js";
import { previewPanel } from "./preview.js";

export const TABS = [
  ["build", "Build", "Welcome message, email capture, chat heading, assignment, availability, knowledge base."],
  ["target", "Target", "Where the chat shows: page URL and query parameter rules, visitor filters, exclusions."],
  ["display", "Display", "Accent colour, desktop and mobile behaviour, triggers."],
  ["options", "Options", "Language, ticket properties, consent, marketing contacts, feedback survey."],
];
const READ_ONLY = ["version", "created_at", "updated_at"];

function bodyOf(draft) {
  const body = structuredClone(draft);
  for (const name of READ_ONLY) delete body[name];
  return body;
}

export function chatflowEditor(app, chatflow, initialTab = "build") {
  let draft = structuredClone(chatflow);
  let version = chatflow.version;
  let storedPublished = chatflow.published;
  let dirty = false;
  const canEdit = app.can("chatflows");

  const status = el("span", { class: "save-status", testid: "editor-status", "aria-live": "polite" });
  const summary = el("div", { class: "error-summary", testid: "editor-errors", hidden: true });
  const conflict = el("div", { class: "conflict", testid: "editor-conflict", role: "alert", hidden: true });
  const preview = previewPanel(() => bodyOf(draft));

  const ctx = {
    schemas: app.schemas,
    data: app.data,
    custom: EDITORS,
    readOnly: !canEdit,
    changed() {
      dirty = true;
      status.textContent = "Unsaved changes";
      status.dataset.state = "dirty";
      preview.changed();
    },
  };

  const name = el("input", { type: "text", value: draft.name, class: "title-input", testid: "editor-name",
    "aria-label": "Chatflow name", disabled: !canEdit });
  name.addEventListener("input", () => { draft.name = name.value; ctx.changed(); });
  const published = el("input", { type: "checkbox", role: "switch", checked: draft.published,
    testid: "editor-published", disabled: !canEdit, "aria-label": "Published" });
  published.addEventListener("change", async () => {
    draft.published = published.checked;
    dirty = true;
    await save();
  });
  const saveButton = el("button", { type: "button", class: "primary", text: "Save", testid: "editor-save",
    disabled: !canEdit, onclick: () => save() });

  const chatflowSchema = app.schemas.Chatflow;
  const panes = {};
  const tabButtons = {};
  for (const [key, label, hint] of TABS) {
    const pane = el("div", { class: "tab-pane", role: "tabpanel", id: `pane-${key}`, "data-tab": key,
      testid: `editor-pane-${key}`, hidden: true }, [el("p", { class: "hint", text: hint })]);
    if (key === "options") {
      const top = el("div", { class: "fields" }, [
        renderField(ctx, chatflowSchema.properties.language, draft, "language", "language"),
        renderField(ctx, chatflowSchema.properties.priority, draft, "priority", "priority"),
        workspaceField(),
      ]);
      pane.append(top);
    }
    pane.append(renderFields(ctx, chatflowSchema.properties[key], draft[key], key));
    panes[key] = pane;
    tabButtons[key] = el("button", { type: "button", role: "tab", "aria-controls": `pane-${key}`,
      testid: `editor-tab-${key}`, text: label, onclick: () => showTab(key) });
  }

  function workspaceField() {
    const options = app.data.inboxes.filter((inbox) => inbox.chat_channel)
      .map((inbox) => el("option", { value: `${inbox.kind}:${inbox.id}`, text: `${inbox.name} (${inbox.kind})` }));
    const chooser = el("select", { id: "workspace", testid: "field-workspace", disabled: !canEdit }, options);
    chooser.value = `${draft.workspace.kind}:${draft.workspace.id}`;
    chooser.addEventListener("change", () => {
      const [kind, id] = chooser.value.split(":");
      draft.workspace = { kind, id };
      ctx.changed();
    });
    return el("div", { class: "field", "data-path": "workspace.id" }, [
      el("label", { class: "field-label", for: "workspace", text: "Workspace (an inbox or help desk with a chat channel)" }),
      chooser,
    ]);
  }

  function showTab(key) {
    for (const [tab, pane] of Object.entries(panes)) {
      pane.hidden = tab !== key;
      tabButtons[tab].setAttribute("aria-selected", String(tab === key));
    }
    app.replaceRoute(`#/chatflows/${chatflow.id}/${key}`);
  }

  function markTabs(fields) {
    for (const [key] of TABS) {
      const count = Object.keys(fields).filter((path) => path === key || path.startsWith(key + ".")
        || (key === "options" && /^(language|priority|workspace)/.test(path))).length;
      tabButtons[key].dataset.errors = count ? String(count) : "";
      tabButtons[key].textContent = TABS.find((t) => t[0] === key)[1] + (count ? ` (${count})` : "");
    }
  }

  async function reload() {
    const { data, response } = await api("GET", `/chatflows/${chatflow.id}`, undefined, { raw: true });
    return { data, version: Number((response.headers.get("ETag") || "").replace(/\D/g, "")) || data.version };
  }

  async function save() {
    if (!canEdit) return;
    saveButton.disabled = true;
    status.textContent = "Saving…";
    status.dataset.state = "saving";
    try {
      const saved = await api("PUT", `/chatflows/${chatflow.id}`, bodyOf(draft),
        { headers: { "If-Match": String(version) } });
      draft = saved;
      version = saved.version;
      dirty = false;
      conflict.hidden = true;
      showErrors(root, {}, summary);
      markTabs({});
      published.checked = saved.published;
      storedPublished = saved.published;
      status.textContent = `Saved (version ${saved.version})`;
      status.dataset.state = "saved";
      app.chatflowSaved(saved);
    } catch (error) {
      status.dataset.state = "error";
      if (error.status === 422) {
        status.textContent = "Not saved: fix the marked fields";
        showErrors(root, error.fields, summary);
        markTabs(error.fields);
        const first = TABS.find(([key]) => tabButtons[key].dataset.errors);
        if (first) showTab(first[0]);
        draft.published = storedPublished;
        published.checked = storedPublished;
      } else if (error.status === 409) {
        status.textContent = "Not saved: someone else saved first";
        explainConflict(error.message);
      } else {
        status.textContent = `Not saved: ${error.message}`;
      }
    } finally {
      saveButton.disabled = !canEdit;
    }
  }

  function explainConflict(message) {
    clear(conflict);
    conflict.hidden = false;
    conflict.append(
      el("p", {}, [el("strong", { text: "This chatflow was changed by someone else while you edited it. " }),
        "Your changes are not saved yet. Load their version (and redo your change), or overwrite theirs with yours."]),
      el("p", { class: "muted", text: message }),
      el("div", { class: "row" }, [
        el("button", { type: "button", testid: "conflict-load", text: "Load their version",
          onclick: async () => { const fresh = await reload(); app.openChatflow(fresh.data.id, currentTab()); } }),
        el("button", { type: "button", testid: "conflict-overwrite", class: "danger", text: "Overwrite with mine",
          onclick: async () => { const fresh = await reload(); version = fresh.version; conflict.hidden = true; await save(); } }),
      ]),
    );
  }

  function currentTab() {
    return Object.keys(panes).find((key) => !panes[key].hidden) || "build";
  }

  const root = el("section", { class: "editor", testid: "chatflow-editor", "data-chatflow-id": chatflow.id }, [
    el("header", { class: "editor-head" }, [
      el("a", { href: "#/chatflows", class: "back", text: "← Chatflows" }),
      name,
      el("label", { class: "switch-label" }, [published, " Published"]),
      el("span", { class: "spacer" }),
      status,
      saveButton,
    ]),
    canEdit ? null : el("p", { class: "notice", text: "You can look, but editing chatflows needs the chatflows permission." }),
    conflict,
    el("nav", { class: "tabs", role: "tablist" }, TABS.map(([key]) => tabButtons[key])),
    summary,
    el("div", { class: "editor-body" }, [
      el("div", { class: "form-pane" }, Object.values(panes)),
      el("aside", { class: "preview-pane" }, [el("h2", { text: "Preview" }), preview.element]),
    ]),
    el("footer", { class: "editor-foot" }, [
      el("button", { type: "button", class: "primary", text: "Save", testid: "editor-save-bottom",
        disabled: !canEdit, onclick: () => save() }),
    ]),
  ]);

  showTab(TABS.some(([key]) => key === initialTab) ? initialTab : "build");
  return {
    element: root,
    mounted() { preview.shown(); },
    dirty: () => dirty,
    leaving() { return !dirty || window.confirm("Leave without saving your changes?"); },
  };
}
