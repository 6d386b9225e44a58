/*
 * Live chat lab — the admin console (/admin). Log in, then the views in the URL's fragment:
 *
 *   #/chatflows              the list, publish switches (CF1, CF3)
 *   #/chatflows/new          create a chatflow (CF1)
 *   #/chatflows/{id}/{tab}   the editor: build | target | display | options, with the preview (CF4, CF7)
 *   #/setup                  the widget set-up (CF2); #/setup?first=1 before the first chatflow
 *   #/people                 users and teams (CF6, CV4)
 *   #/knowledge[/{id}]       knowledge bases and articles (BD5)
 *   #/surveys[/{id}]         surveys and their answers (OP7)
 *   #/canned                 canned replies (CV2)
 *   #/keys                   API keys
 *   #/tracking               the tracking code with a copy button (CF5)
 *
 * The server decides what the signed-in user may do (/auth/me `can`, each user's
 * `you_may`); the console offers only that. Everything goes through lib/api.js.
 */
import { api, logIn, logOut, sessionToken } from "../lib/api.js";
import { el, clear } from "../lib/dom.js";
import { chatflowList, createChatflowPage } from "./chatflows.js";
import { cannedPage, keysPage, knowledgePage, surveysPage, trackingPage } from "./content.js";
import { chatflowEditor } from "./editor.js";
import { peoplePage } from "./people.js";
import { loadSchemas } from "./schema.js";
import { setupPage } from "./setup.js";

const $ = (id) => document.getElementById(id);
const NAV = [
  ["chatflows", "Chatflows"],
  ["setup", "Widget set-up"],
  ["people", "Users and teams"],
  ["knowledge", "Knowledge bases"],
  ["surveys", "Surveys"],
  ["canned", "Canned replies"],
  ["keys", "API keys", "users"],
  ["tracking", "Tracking code"],
];

const app = {
  me: null,
  schemas: null,
  data: { users: [], teams: [], inboxes: [], knowledgeBases: [], surveys: [] },
  view: null, // the current view's {leaving(), mounted()} when it has them
  can(permission) { return !!this.me && this.me.can.includes(permission); },
  async loadData() {
    const [users, teams, inboxes, knowledgeBases, surveys] = await Promise.all([
      api("GET", "/users?limit=500"), api("GET", "/teams?limit=500"), api("GET", "/inboxes?limit=500"),
      api("GET", "/knowledge-bases?limit=500"), api("GET", "/surveys?limit=500"),
    ]);
    Object.assign(this.data, { users, teams, inboxes, knowledgeBases, surveys });
  },
  go(hash) { if (location.hash === hash) this.route(); else location.hash = hash; },
  replaceRoute(hash) { if (location.hash !== hash) history.replaceState(null, "", hash); },
  openChatflow(id, tab) { this.view = null; this.go(`#/chatflows/${id}/${tab}`); this.route(); },
  chatflowSaved() { /* the list re-reads on its next visit */ },
  toast(message, bad = false) {
    const box = el("div", { class: bad ? "toast bad" : "toast", role: "status", testid: "toast", text: message });
    $("toasts").append(box);
    setTimeout(() => box.remove(), 4000);
  },
  route: () => route(),
};

let lastHash = null;
async function route() {
  if (!app.me) return;
  const hash = location.hash || "#/chatflows";
  if (app.view && app.view.leaving && lastHash && hash !== lastHash && !app.view.leaving()) {
    history.replaceState(null, "", lastHash);
    return;
  }
  lastHash = hash;
  const [path, query] = hash.slice(2).split("?");
  const parts = path.split("/");
  const main = $("main");
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.setAttribute("aria-current", String(link.dataset.nav === parts[0]));
  }
  document.body.classList.remove("nav-open");
  app.view = null;
  let page;
  try {
    if (parts[0] === "chatflows" && parts[1] === "new") page = createChatflowPage(app);
    else if (parts[0] === "chatflows" && parts[1]) {
      const chatflow = await api("GET", `/chatflows/${encodeURIComponent(parts[1])}`);
      app.view = chatflowEditor(app, chatflow, parts[2]);
      page = app.view.element;
    } else if (parts[0] === "setup") page = await setupPage(app, /first=1/.test(query || ""));
    else if (parts[0] === "people") page = await peoplePage(app);
    else if (parts[0] === "knowledge") page = await knowledgePage(app, parts[1]);
    else if (parts[0] === "surveys") page = await surveysPage(app, parts[1]);
    else if (parts[0] === "canned") page = await cannedPage(app);
    else if (parts[0] === "keys") page = await keysPage(app);
    else if (parts[0] === "tracking") page = await trackingPage(app);
    else page = await chatflowList(app);
  } catch (error) {
    page = el("section", { class: "page" }, [el("h1", { text: "Something went wrong" }),
      el("p", { class: "field-error", testid: "page-error", text: error.message })]);
  }
  if (hash !== (location.hash || "#/chatflows")) return; // the visitor moved on meanwhile
  clear(main).append(page);
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  if (app.view && app.view.mounted) app.view.mounted();
}

function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
}

async function boot() {
  if (!sessionToken()) { showLogin(); return; }
  try {
    const [me, schemas] = await Promise.all([api("GET", "/auth/me"), loadSchemas()]);
    app.me = me;
    app.schemas = schemas;
    await app.loadData();
    const user = app.data.users.find((u) => u.id === me.user_id);
    $("me").textContent = user ? user.name : me.user_id;
    const nav = $("nav");
    clear(nav);
    for (const [key, label, needs] of NAV) {
      if (needs && !app.can(needs)) continue;
      nav.append(el("a", { href: `#/${key}`, "data-nav": key, testid: `nav-${key}`, text: label }));
    }
    $("login").hidden = true;
    $("app").hidden = false;
    await route();
  } catch (error) {
    showLogin();
  }
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").hidden = true;
  try {
    await logIn($("login-email").value.trim(), $("login-password").value);
    await boot();
  } catch (error) {
    $("login-error").textContent = error.message;
    $("login-error").hidden = false;
  }
});
$("logout").addEventListener("click", async () => { await logOut(); app.me = null; showLogin(); });
$("menu").addEventListener("click", () => document.body.classList.toggle("nav-open"));
window.addEventListener("hashchange", () => route());
window.addEventListener("livechat:logged-out", () => { app.me = null; showLogin(); });
window.addEventListener("beforeunload", (event) => {
  if (app.view && app.view.dirty && app.view.dirty()) event.preventDefault();
});
boot();
