/*
 * The account's content: knowledge bases and their articles (BD5), chat surveys and their
 * answers (OP7), and canned replies for the inbox (CV2). Each page lists, creates, edits
 * and deletes through the REST API; editing is offered with the permission it needs.
 */
import { api } from "../lib/api.js";
import { el } from "../lib/dom.js";

function errorText(e) {
  return Object.keys(e.fields || {}).length
    ? Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join("; ") : e.message;
}

/** A small form: fields [{name, label, type, value, options}], submit -> save(values). */
function form({ fields, submit, save, testid }) {
  const error = el("p", { class: "field-error", hidden: true, testid: `${testid}-error` });
  const controls = {};
  const node = el("form", { class: "card form", testid }, [
    ...fields.map((f) => {
      const attributes = { id: `${testid}-${f.name}`, testid: `${testid}-${f.name}`, required: f.required !== false };
      let control;
      if (f.type === "textarea") control = el("textarea", { ...attributes, rows: f.rows || 4 });
      else if (f.options) control = el("select", attributes, f.options.map(([v, t]) => el("option", { value: v, text: t })));
      else control = el("input", { ...attributes, type: f.type || "text" });
      control.value = f.value ?? "";
      controls[f.name] = control;
      return el("div", { class: "field" }, [el("label", { class: "field-label", for: attributes.id, text: f.label }), control]);
    }),
    error,
    el("div", { class: "row end" }, [el("button", { type: "submit", class: "primary", text: submit })]),
  ]);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(Object.entries(controls).map(([k, c]) => [k, c.value]));
    try { await save(values); error.hidden = true; } catch (e) { error.hidden = false; error.textContent = errorText(e); }
  });
  return node;
}

export async function knowledgePage(app, kbId) {
  const canEdit = app.can("chatflows");
  if (kbId) {
    const [kb, articles] = await Promise.all([api("GET", `/knowledge-bases/${kbId}`),
      api("GET", `/knowledge-bases/${kbId}/articles?limit=500`)]);
    const list = articles.map((article) => el("details", { class: "card", testid: "article" }, [
      el("summary", {}, [el("strong", { text: article.title }), " ", el("span", { class: "muted", text: article.category })]),
      canEdit ? form({ testid: "article-edit", submit: "Save article", fields: [
        { name: "title", label: "Title", value: article.title },
        { name: "category", label: "Category", value: article.category, required: false },
        { name: "body", label: "Text", type: "textarea", rows: 6, value: article.body },
      ], save: async (v) => { await api("PATCH", `/knowledge-bases/${kbId}/articles/${article.id}`, v); app.toast("Article saved"); } })
        : el("p", { text: article.body }),
      canEdit ? el("button", { type: "button", class: "link danger", text: "Delete article", onclick: async () => {
        if (!window.confirm(`Delete “${article.title}”?`)) return;
        await api("DELETE", `/knowledge-bases/${kbId}/articles/${article.id}`); app.route();
      } }) : null,
    ]));
    return el("section", { class: "page", testid: "kb-page" }, [
      el("header", { class: "page-head" }, [el("a", { href: "#/knowledge", class: "back", text: "← Knowledge bases" }),
        el("h1", { text: kb.name })]),
      ...list,
      canEdit ? el("h2", { text: "New article" }) : null,
      canEdit ? form({ testid: "new-article", submit: "Add article", fields: [
        { name: "title", label: "Title" }, { name: "category", label: "Category", required: false },
        { name: "body", label: "Text", type: "textarea", rows: 6 },
      ], save: async (v) => { await api("POST", `/knowledge-bases/${kbId}/articles`, v); app.route(); } }) : null,
    ]);
  }
  const kbs = await api("GET", "/knowledge-bases?limit=500");
  return el("section", { class: "page", testid: "knowledge-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "Knowledge bases" })]),
    el("p", { class: "lead", text: "Visitors browse and search a knowledge base in the widget's help tab when a chatflow enables it." }),
    el("ul", { class: "plain-list" }, kbs.map((kb) => el("li", { testid: "kb-row" }, [
      el("a", { href: `#/knowledge/${kb.id}`, text: kb.name }), el("span", { class: "muted", text: ` ${kb.article_count} articles` }),
    ]))),
    canEdit ? form({ testid: "new-kb", submit: "Add knowledge base", fields: [{ name: "name", label: "Name" }],
      save: async (v) => { await api("POST", "/knowledge-bases", v); await app.loadData(); app.route(); } }) : null,
  ]);
}

export async function surveysPage(app, surveyId) {
  const canEdit = app.can("chatflows");
  if (surveyId) {
    const answers = await api("GET", `/surveys/${surveyId}/answers?limit=500`);
    return el("section", { class: "page", testid: "survey-page" }, [
      el("header", { class: "page-head" }, [el("a", { href: "#/surveys", class: "back", text: "← Surveys" }),
        el("h1", { text: answers.survey.name })]),
      el("p", { class: "lead", text: answers.survey.question }),
      el("p", { testid: "survey-summary", text: `${answers.count} answers` +
        (answers.average_rating !== null ? `, average ${answers.average_rating.toFixed(1)} of 5` : "") }),
      el("div", { class: "table-wrap" }, [el("table", { class: "table" }, [
        el("thead", {}, [el("tr", {}, ["When", "Rating", "Comment", "Conversation"].map((h) => el("th", { text: h })))]),
        el("tbody", {}, answers.answers.map((a) => el("tr", { testid: "survey-answer" }, [
          el("td", { text: new Date(a.created_at).toLocaleString() }), el("td", { text: `${a.rating}/5` }),
          el("td", { text: a.comment }), el("td", { class: "muted small", text: a.conversation_id }),
        ]))),
      ])]),
    ]);
  }
  const surveys = await api("GET", "/surveys?limit=500");
  return el("section", { class: "page", testid: "surveys-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "Surveys" })]),
    el("p", { class: "lead", text: "A survey delivered by chat can be shown when a conversation closes (a chatflow's Options)." }),
    el("ul", { class: "plain-list" }, surveys.map((s) => el("li", { testid: "survey-row" }, [
      el("a", { href: `#/surveys/${s.id}`, text: s.name }), el("span", { class: "muted", text: ` · ${s.delivery} · ${s.question}` }),
    ]))),
    canEdit ? form({ testid: "new-survey", submit: "Add survey", fields: [
      { name: "name", label: "Name" }, { name: "question", label: "Question" },
      { name: "delivery", label: "Delivery", options: [["chat", "Chat"], ["email", "Email"]] },
    ], save: async (v) => { await api("POST", "/surveys", v); await app.loadData(); app.route(); } }) : null,
  ]);
}

export async function cannedPage(app) {
  const canEdit = app.can("users");
  const replies = await api("GET", "/canned-replies?limit=500");
  return el("section", { class: "page", testid: "canned-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "Canned replies" })]),
    el("p", { class: "lead", text: "Agents type / and the shortcut in the inbox's reply box to insert a reply." }),
    ...replies.map((reply) => el("details", { class: "card", testid: "canned-row" }, [
      el("summary", {}, [el("code", { text: `/${reply.shortcut}` }), " ", el("strong", { text: reply.title })]),
      canEdit ? form({ testid: "canned-edit", submit: "Save", fields: [
        { name: "shortcut", label: "Shortcut", value: reply.shortcut }, { name: "title", label: "Title", value: reply.title },
        { name: "text", label: "Text", type: "textarea", value: reply.text },
      ], save: async (v) => { await api("PATCH", `/canned-replies/${reply.id}`, v); app.toast("Saved"); app.route(); } })
        : el("p", { text: reply.text }),
      canEdit ? el("button", { type: "button", class: "link danger", text: "Delete", onclick: async () => {
        await api("DELETE", `/canned-replies/${reply.id}`); app.route();
      } }) : null,
    ])),
    canEdit ? el("h2", { text: "New canned reply" }) : null,
    canEdit ? form({ testid: "new-canned", submit: "Add canned reply", fields: [
      { name: "shortcut", label: "Shortcut (one word)" }, { name: "title", label: "Title" },
      { name: "text", label: "Text", type: "textarea" },
    ], save: async (v) => { await api("POST", "/canned-replies", v); app.route(); } }) : null,
  ]);
}

export async function keysPage(app) {
  const keys = await api("GET", "/account/api-keys?limit=500");
  const shown = el("div", { class: "notice", testid: "new-key", hidden: true });
  return el("section", { class: "page", testid: "keys-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "API keys" })]),
    el("p", { class: "lead", text: "Server-to-server callers send an API key as a bearer token (the Conversations API, visitor identification)." }),
    shown,
    el("ul", { class: "plain-list" }, keys.map((key) => el("li", { testid: "key-row" }, [
      el("strong", { text: key.name }), el("span", { class: "muted", text: ` created ${new Date(key.created_at).toLocaleDateString()} ` }),
      el("button", { type: "button", class: "link danger", text: "Revoke", onclick: async () => {
        if (!window.confirm(`Revoke the key “${key.name}”? Callers using it stop working.`)) return;
        await api("DELETE", `/account/api-keys/${key.id}`); app.route();
      } }),
    ]))),
    form({ testid: "new-key-form", submit: "Create key", fields: [{ name: "name", label: "Name (who uses it)" }],
      save: async (v) => {
        const made = await api("POST", "/account/api-keys", v);
        shown.hidden = false;
        shown.replaceChildren(el("p", { text: "Copy the key now: it is shown this once." }),
          el("code", { class: "secret", testid: "new-key-value", text: made.key }));
      } }),
  ]);
}

export async function trackingPage(app) {
  const code = await api("GET", "/account/tracking-code");
  const snippet = el("textarea", { readonly: true, rows: 3, class: "code", testid: "tracking-snippet", value: code.snippet,
    "aria-label": "Tracking code" });
  const copied = el("span", { class: "muted", testid: "tracking-copied", "aria-live": "polite" });
  const copy = el("button", { type: "button", class: "primary", text: "Copy", testid: "tracking-copy", onclick: async () => {
    try { await navigator.clipboard.writeText(code.snippet); }
    catch (e) { snippet.select(); document.execCommand("copy"); }
    copied.textContent = "Copied";
  } });
  return el("section", { class: "page narrow", testid: "tracking-page" }, [
    el("header", { class: "page-head" }, [el("h1", { text: "Tracking code" })]),
    el("p", { class: "lead", text: "Paste this before </body> on every page of a site this server does not host. Without it, no chat shows there." }),
    snippet,
    el("div", { class: "row" }, [copy, copied]),
    el("p", { class: "muted", text: `Account ${code.account_id} · loader ${code.loader_url}` }),
  ]);
}
