/*
 * Chatflows (CF1, CF3): the list with each one's publish switch and a summary of where it
 * shows, and "Create chatflow" — website, workspace (only inboxes and help desks with a
 * chat channel), language, and the knowledge base search — which, the first time, starts
 * with the widget set-up (CF2) as the seed product does.
 */
import { api } from "../lib/api.js";
import { el, clear, labelCells } from "../lib/dom.js";
import { valueLabel } from "./labels.js";

function ruleText(rule) {
  const field = rule.field === "query_parameter" ? `query parameter ${rule.name}`
    : rule.field === "contact_property" ? `contact property ${rule.name}`
      : rule.field === "page_url" ? "the page URL" : valueLabel(rule.field).toLowerCase();
  const valueless = ["all_pages", "is_known", "is_unknown"].includes(rule.operator);
  if (rule.operator === "all_pages") return "any page";
  return `${field} ${valueLabel(rule.operator)}${valueless ? "" : ` ${valueLabel(rule.value) === rule.value ? `“${rule.value}”` : valueLabel(rule.value)}`}`;
}

/** "Where page URL contains “/pricing”; never where page URL contains “/privacy”". */
export function whereItShows(target) {
  const groups = (target.groups || []).map((group) => group.rules.map(ruleText).join(" and "));
  let text = groups.length ? `Where ${groups.join(", or ")}` : "Nowhere";
  if (groups.length === 1 && groups[0] === "any page") text = "On every page";
  const excluded = (target.exclusions || []).map(ruleText);
  if (excluded.length) text += `; never where ${excluded.join(" or ")}`;
  return text;
}

export async function chatflowList(app) {
  const flows = await api("GET", "/chatflows?limit=500");
  const canEdit = app.can("chatflows");
  const rows = flows.map((flow) => {
    const toggle = el("input", { type: "checkbox", role: "switch", checked: flow.published, disabled: !canEdit,
      testid: "publish-switch", "aria-label": `Published: ${flow.name}` });
    const state = el("span", { class: "badge", testid: "publish-state", text: flow.published ? "On" : "Off" });
    toggle.addEventListener("change", async () => {
      toggle.disabled = true;
      try {
        const saved = await api("POST", `/chatflows/${flow.id}/${toggle.checked ? "publish" : "unpublish"}`);
        flow.published = saved.published;
        state.textContent = saved.published ? "On" : "Off";
        app.toast(`${flow.name} is ${saved.published ? "published" : "switched off"}`);
      } catch (error) {
        toggle.checked = flow.published;
        app.toast(error.message, true);
      } finally {
        toggle.disabled = !canEdit;
      }
    });
    const inbox = app.data.inboxes.find((i) => i.id === flow.workspace.id);
    return el("tr", { testid: "chatflow-row", "data-chatflow-id": flow.id }, [
      el("td", {}, [el("a", { href: `#/chatflows/${flow.id}/build`, text: flow.name, testid: "chatflow-name" }),
        el("div", { class: "muted small", text: `${valueLabel(flow.language)} · priority ${flow.priority}` })]),
      el("td", { class: "where", testid: "chatflow-where", text: whereItShows(flow.target) }),
      el("td", { text: inbox ? inbox.name : flow.workspace.id }),
      el("td", {}, [el("label", { class: "switch-label" }, [toggle, " ", state])]),
      el("td", { class: "actions" }, [
        el("a", { href: `#/chatflows/${flow.id}/build`, class: "button", text: canEdit ? "Edit" : "View" }),
        canEdit ? el("button", { type: "button", class: "link danger", text: "Delete", testid: "chatflow-delete",
          onclick: async () => {
            if (!window.confirm(`Delete the chatflow “${flow.name}”?`)) return;
            try { await api("DELETE", `/chatflows/${flow.id}`); app.route(); } catch (e) { app.toast(e.message, true); }
          } }) : null,
      ]),
    ]);
  });
  return el("section", { class: "page", testid: "chatflows-page" }, [
    el("header", { class: "page-head" }, [
      el("h1", { text: "Chatflows" }),
      canEdit ? el("button", { type: "button", class: "primary", text: "Create chatflow", testid: "create-chatflow",
        onclick: () => (flows.length ? app.go("#/chatflows/new") : app.go("#/setup?first=1")) }) : null,
    ]),
    el("p", { class: "lead", text: "A chatflow puts the chat widget on the pages its targeting picks, while it is published." }),
    flows.length
      ? el("div", { class: "table-wrap" }, [labelCells(el("table", { class: "table" }, [
        el("thead", {}, [el("tr", {}, ["Name", "Where it shows", "Workspace", "Published", ""].map((h) => el("th", { text: h })))]),
        el("tbody", {}, rows),
      ]))])
      : el("p", { class: "empty", testid: "chatflows-empty",
        text: "No chatflows yet. Create one: the first time, you set up the chat widget first." }),
  ]);
}

/** Create a chatflow: website, workspace, language, knowledge base search (CF1, BD5). */
export function createChatflowPage(app) {
  const workspaces = app.data.inboxes.filter((inbox) => inbox.chat_channel);
  const form = el("form", { class: "card form", testid: "create-form" });
  const name = el("input", { type: "text", id: "new-name", required: true, testid: "new-name", value: "Website chat" });
  const workspace = el("select", { id: "new-workspace", testid: "new-workspace" },
    workspaces.map((w) => el("option", { value: `${w.kind}:${w.id}`, text: `${w.name} (${valueLabel(w.kind).toLowerCase()})` })));
  const language = el("select", { id: "new-language", testid: "new-language" },
    ["en", "nb"].map((code) => el("option", { value: code, text: valueLabel(code) })));
  const kbOn = el("input", { type: "checkbox", role: "switch", id: "new-kb-on", testid: "new-kb-on" });
  const kb = el("select", { id: "new-kb", testid: "new-kb", disabled: true },
    app.data.knowledgeBases.map((k) => el("option", { value: k.id, text: k.name })));
  kbOn.addEventListener("change", () => { kb.disabled = !kbOn.checked; });
  const error = el("p", { class: "field-error", testid: "create-error", hidden: true });
  const field = (label, control, hint) => el("div", { class: "field" }, [
    el("label", { class: "field-label", for: control.id, text: label }), control, hint ? el("p", { class: "hint", text: hint }) : null]);
  form.append(
    el("p", { class: "muted", text: "Type: website · live agent" }),
    field("Name", name),
    field("Workspace", workspace, "Only inboxes and help desks with a connected chat channel can be chosen."),
    field("Language", language, "The widget's own texts (buttons, consent, times) are in this language."),
    el("div", { class: "field inline" }, [kbOn, el("label", { for: "new-kb-on", text: "Enable knowledge base search" })]),
    field("Knowledge base", kb),
    error,
    el("div", { class: "row" }, [
      el("a", { href: "#/chatflows", class: "button", text: "Cancel" }),
      el("button", { type: "submit", class: "primary", text: "Create", testid: "create-submit" }),
    ]),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const [kind, id] = workspace.value.split(":");
    const body = { name: name.value.trim(), workspace: { kind, id }, language: language.value };
    if (kbOn.checked && kb.value) body.build = { knowledge_base: { enabled: true, knowledge_base_id: kb.value } };
    try {
      const created = await api("POST", "/chatflows", body);
      app.go(`#/chatflows/${created.id}/build`);
    } catch (e) {
      error.hidden = false;
      error.textContent = Object.keys(e.fields).length
        ? Object.entries(e.fields).map(([path, text]) => `${path}: ${text}`).join("; ")
        : e.message;
    }
  });
  if (!workspaces.length) clear(form).append(el("p", { text: "No inbox or help desk has a chat channel yet." }));
  return el("section", { class: "page narrow", testid: "create-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "Create a chatflow" })]), form,
  ]);
}
