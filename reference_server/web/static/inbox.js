/*
 * Live chat lab — the agent inbox (CV2, CV4, RT6).
 *
 * Log in (lib/api.js keeps the session token for this tab), then: the views unassigned /
 * mine / all / closed with their counts (GET /api/v1/conversations?view=&sort=, /counts),
 * each row with its unread messages, last message and time, and a waiting timer; a
 * conversation with its visitor context, the contact's earlier conversations, messages and
 * internal notes, each with its time; reply (canned replies with "/"), note, and the
 * actions the server says this agent may take — claim, assign, transfer to a user or a
 * team, close, reopen — and nothing else; the agent's own status; sound and desktop
 * notifications for new and assigned chats once switched on. Live updates and typing over
 * the /ws/agent socket, opened with a single-use ticket (POST /api/v1/auth/socket-ticket). On a phone the list and the conversation are one screen each.
 *
 * Every text from visitors, agents or settings is shown with textContent, never as HTML.
 */
import { api, logIn, logOut, sessionToken } from "./lib/api.js";
import { clear, clock, el, timeOf } from "./lib/dom.js";
import { cannedReplies } from "./inbox/canned.js";
import { enableNotifications, notificationsOn, notify } from "./inbox/notify.js";

const state = {
  me: null,
  users: {},
  teams: [],
  view: "unassigned",
  sort: "",
  current: null, // the open conversation (detail)
  rendered: {}, // "m<sequence>" / "n<note id>" -> element, for the open conversation
  lastSequence: 0,
  mode: "reply",
  socket: null,
  opening: false, // asking for a socket ticket
  connected: false,
  attempts: 0,
  typingSentAt: 0,
  timers: {},
};
const $ = (id) => document.getElementById(id);

function clientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "a" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
}

function showError(message) {
  const box = $("reply-error");
  box.textContent = message || "";
  box.hidden = !message;
}

function userName(id) {
  const user = state.users[id];
  return user ? user.name : id;
}

// ------------------------------------------------------------------ log in and out

function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
}

async function boot() {
  if (!sessionToken()) { showLogin(); return; }
  try {
    const me = await api("GET", "/auth/me");
    const [user, users, teams] = await Promise.all([
      api("GET", "/users/" + encodeURIComponent(me.user_id)), api("GET", "/users?limit=500"), api("GET", "/teams?limit=500"),
    ]);
    state.me = user;
    state.users = {};
    users.forEach((u) => { state.users[u.id] = u; });
    state.teams = teams;
    $("me").textContent = user.name;
    $("status").value = user.status === "away" ? "away" : "available";
    $("login").hidden = true;
    $("app").hidden = false;
    connect();
    selectView(state.view);
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

function disconnect() {
  if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
  state.connected = false;
}

$("logout").addEventListener("click", async () => { await logOut(); disconnect(); state.me = null; showLogin(); });
window.addEventListener("livechat:logged-out", () => { disconnect(); state.me = null; showLogin(); });

$("status").addEventListener("change", async () => {
  try {
    const user = await api("PUT", `/users/${encodeURIComponent(state.me.id)}/status`, { status: $("status").value });
    state.me = user;
    $("status").setAttribute("data-saved", user.status);
  } catch (error) { showError(error.message); }
});

$("notify").addEventListener("click", async () => {
  const desktop = await enableNotifications();
  $("notify").setAttribute("aria-pressed", "true");
  $("notify").dataset.state = desktop ? "desktop" : "sound";
  $("notify").title = desktop ? "Sound and desktop notifications are on" : "Sound is on (desktop notifications not allowed)";
  $("notify").textContent = desktop ? "Alerts on" : "Sound on";
});

// ------------------------------------------------------------------ the list

document.querySelectorAll("[data-view]").forEach((button) => {
  button.addEventListener("click", () => selectView(button.getAttribute("data-view")));
});
$("sort").addEventListener("change", () => { state.sort = $("sort").value; loadList(); });

function selectView(view) {
  state.view = view;
  document.querySelectorAll("[data-view]").forEach((button) => {
    button.setAttribute("aria-selected", String(button.getAttribute("data-view") === view));
  });
  loadList();
}

async function loadCounts() {
  try {
    const counts = await api("GET", "/conversations/counts");
    for (const [view, count] of Object.entries(counts)) {
      const badge = document.querySelector(`[data-count="${view}"]`);
      if (badge) badge.textContent = String(count);
    }
  } catch (error) { /* the list still works */ }
}

function titleOf(c) {
  return (c.contact && (c.contact.name || c.contact.email)) || `Visitor ${c.visitor_id.slice(-6)}`;
}

function conversationRow(c) {
  const waiting = c.waiting_since && (c.status === "waiting" || c.status === "unassigned");
  const last = c.last_message;
  const who = last ? (last.sender_kind === "visitor" ? "" : last.sender_kind === "agent" ? "Agent: " : "") : "";
  const item = el("li", { testid: "inbox-conversation", "data-conversation-id": c.id, "data-status": c.status,
    "data-unread": String(c.unread_count), "aria-current": String(!!state.current && state.current.id === c.id),
    tabindex: "0" }, [
    el("div", { class: "line1" }, [
      el("span", { class: "name", text: `Visitor ${c.visitor_id.slice(-6)}` }),
      c.unread_count ? el("span", { class: "unread", testid: "inbox-unread", text: String(c.unread_count),
        title: `${c.unread_count} unread` }) : null,
      el("time", { class: "when", testid: "inbox-row-time", datetime: last ? last.created_at : c.created_at,
        text: timeOf(last ? last.created_at : c.created_at) }),
    ]),
    el("div", { class: "line2", testid: "inbox-preview", text: last ? who + last.text : c.page_url || "" }),
    el("div", { class: "line3" }, [
      el("span", { class: "badge", "data-status": c.status, text: c.status }),
      c.assignee_id ? el("span", { class: "muted", text: userName(c.assignee_id) }) : null,
      waiting ? el("span", { class: "waiting", testid: "inbox-waiting", "data-since": c.waiting_since,
        title: "Waiting since it started", text: `waiting ${clock(c.waiting_since)}` }) : null,
    ]),
  ]);
  const open = () => openConversation(c.id);
  item.addEventListener("click", open);
  item.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
  return item;
}

async function loadList() {
  const view = state.view;
  const sort = state.sort ? `&sort=${state.sort}` : "";
  loadCounts();
  try {
    const rows = await api("GET", `/conversations?view=${encodeURIComponent(view)}${sort}&limit=100`);
    if (view !== state.view) return;
    const list = clear($("conversations"));
    $("empty").hidden = rows.length > 0;
    rows.forEach((c) => list.append(conversationRow(c)));
  } catch (error) { console.warn("inbox: list", error); }
}

function refreshListSoon() {
  clearTimeout(state.timers.list);
  state.timers.list = setTimeout(loadList, 150);
}

// Waiting timers tick once a second.
setInterval(() => {
  document.querySelectorAll("[data-testid=inbox-waiting]").forEach((node) => {
    node.textContent = `waiting ${clock(node.dataset.since)}`;
  });
}, 1000);

// ------------------------------------------------------------------ one conversation

function placeByTime(item, key) {
  const list = $("messages");
  const when = Date.parse(item.dataset.at);
  let after = null;
  for (const child of list.children) {
    const at = Date.parse(child.dataset.at);
    if (at > when || (at === when && child.dataset.key > key)) { after = child; break; }
  }
  list.insertBefore(item, after);
  list.scrollTop = list.scrollHeight;
}

async function openConversation(id) {
  if (state.current && state.current.id !== id) send({ type: "unfollow", conversation_id: state.current.id });
  state.rendered = {};
  state.lastSequence = 0;
  clear($("messages"));
  $("typing").hidden = true;
  showError("");
  $("app").dataset.pane = "thread";
  try {
    const detail = await api("GET", `/conversations/${encodeURIComponent(id)}`);
    state.current = detail;
    renderDetail();
    document.querySelectorAll("#conversations li").forEach((li) => {
      li.setAttribute("aria-current", String(li.getAttribute("data-conversation-id") === id));
    });
    const [messages, notes] = await Promise.all([
      api("GET", `/conversations/${encodeURIComponent(id)}/messages?limit=500`),
      api("GET", `/conversations/${encodeURIComponent(id)}/notes?limit=500`),
    ]);
    messages.forEach(addMessage);
    notes.forEach(addNote);
    follow();
    markRead();
  } catch (error) { showError(error.message); }
}

async function refreshDetail() {
  if (!state.current) return;
  try {
    const detail = await api("GET", `/conversations/${encodeURIComponent(state.current.id)}`);
    if (state.current && state.current.id === detail.id) { state.current = detail; renderDetail(); }
  } catch (error) { /* gone */ }
}

function fmt(value) { return value === true ? "yes" : value === false ? "no" : "not asked"; }

function renderContext(c) {
  const context = clear($("context"));
  const consent = c.consent || {};
  const rows = [
    ["Status", c.status],
    ["Assigned to", c.assignee_id ? userName(c.assignee_id) : "nobody"],
    ["Page", c.page_url || "—"],
    ["Contact", c.contact ? (c.contact.email || c.contact.name || c.contact.id) : "unknown visitor"],
    ["Chatflow", c.chatflow ? c.chatflow.name : "—"],
    ["Language", c.language],
    ["Started", timeOf(c.created_at)],
    ["Consent", `cookies: ${fmt(consent.cookies)}, data processing: ${fmt(consent.data_processing)}, communication: ${fmt(consent.communication)}`],
  ];
  if (c.ticket_id) rows.push(["Ticket", c.ticket_id]);
  if (c.survey_answer) rows.push(["Survey", `${c.survey_answer.rating}/5 ${c.survey_answer.comment || ""}`]);
  rows.forEach(([name, value]) => {
    context.append(el("dt", { text: name }), el("dd", { text: value, "data-field": name.toLowerCase().replace(/\s+/g, "-") }));
  });
  const earlier = clear($("earlier"));
  if (!c.earlier_conversations.length) earlier.append(el("li", { class: "muted", text: "None" }));
  c.earlier_conversations.forEach((other) => {
    earlier.append(el("li", { testid: "inbox-earlier-conversation", "data-conversation-id": other.id }, [
      el("button", { type: "button", class: "link", onclick: () => openConversation(other.id),
        text: `${timeOf(other.created_at)} · ${other.status}` }),
      el("span", { class: "muted small", text: other.page_url }),
    ]));
  });
}

function fillTargets(c) {
  const assign = clear($("assign"));
  assign.append(el("option", { value: "", text: "Assign to…" }));
  Object.values(state.users).filter((u) => u.has_seat && u.id !== state.me.id)
    .forEach((u) => assign.append(el("option", { value: `user:${u.id}`, text: `${u.name} (${u.status})` })));
  const transfer = clear($("transfer"));
  transfer.append(el("option", { value: "", text: "Transfer to…" }));
  const people = Object.values(state.users).filter((u) => u.has_seat && u.id !== c.assignee_id);
  if (people.length) {
    transfer.append(el("optgroup", { label: "A person" }, people.map((u) =>
      el("option", { value: `user:${u.id}`, text: `${u.name} (${u.status})` }))));
  }
  if (state.teams.length) {
    transfer.append(el("optgroup", { label: "A team (whoever can take it now)" }, state.teams.map((t) =>
      el("option", { value: `team:${t.id}`, text: t.name }))));
  }
}

function renderDetail() {
  const c = state.current;
  $("pick").hidden = true;
  $("detail").hidden = false;
  $("detail").setAttribute("data-conversation-id", c.id);
  $("detail").setAttribute("data-status", c.status);
  $("detail").setAttribute("data-actions", c.actions.join(" "));
  $("thread-title").textContent = titleOf(c);
  $("thread-sub").textContent = `${c.status}${c.assignee_id ? " · " + userName(c.assignee_id) : ""} · ${c.page_url || ""}`;
  renderContext(c);
  fillTargets(c);
  // Offer exactly what the server says this agent may do here.
  document.querySelectorAll("#actions [data-action]").forEach((node) => {
    node.hidden = !c.actions.includes(node.getAttribute("data-action"));
  });
  const canReply = c.actions.includes("reply");
  const canNote = c.actions.includes("note");
  document.querySelector('[data-mode="reply"][role=tab]').hidden = !canReply;
  document.querySelector('[data-mode="note"][role=tab]').hidden = !canNote;
  if (state.mode === "reply" && !canReply) setMode("note");
  else setMode(state.mode);
  $("reply").hidden = !canReply && !canNote;
}

function setMode(mode) {
  state.mode = mode;
  $("reply").dataset.mode = mode;
  document.querySelectorAll(".composer-modes [data-mode]").forEach((tab) => {
    tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
  });
  $("reply-text").placeholder = mode === "note" ? "Internal note: only agents see it…" : "Reply… (type / for canned replies)";
  $("send").textContent = mode === "note" ? "Add note" : "Send";
}
document.querySelectorAll(".composer-modes [data-mode]").forEach((tab) => {
  tab.addEventListener("click", () => setMode(tab.dataset.mode));
});

function senderLabel(message) {
  if (message.sender_kind === "visitor") return "Visitor";
  if (message.sender_kind === "system") return "";
  return state.users[message.sender_id] ? userName(message.sender_id) : (message.sender && message.sender.name) || "Agent";
}

function addMessage(message) {
  if (!state.current || message.conversation_id !== state.current.id) return;
  const key = `m${String(message.sequence).padStart(8, "0")}`;
  if (state.rendered[key]) return;
  const label = senderLabel(message);
  const item = el("li", { testid: "inbox-message", "data-sender": message.sender_kind, "data-sequence": message.sequence,
    "data-at": message.created_at, "data-key": key }, [
    el("span", { class: "meta" }, [
      label ? el("span", { class: "who", text: label }) : null,
      el("time", { testid: "inbox-message-time", datetime: message.created_at, title: new Date(message.created_at).toLocaleString(),
        text: timeOf(message.created_at) }),
    ]),
    el("span", { class: "text", testid: "inbox-message-text", text: message.text }),
  ]);
  state.rendered[key] = item;
  placeByTime(item, key);
  if (message.sequence > state.lastSequence) state.lastSequence = message.sequence;
  if (message.sender_kind === "visitor") $("typing").hidden = true;
}

function addNote(note) {
  if (!state.current || note.conversation_id !== state.current.id) return;
  const key = `n${note.id}`;
  if (state.rendered[key]) return;
  const item = el("li", { testid: "inbox-note", "data-sender": "note", "data-at": note.created_at, "data-key": key }, [
    el("span", { class: "meta" }, [
      el("span", { class: "who", text: `Note · ${note.author_id ? userName(note.author_id) : "someone"}` }),
      el("time", { datetime: note.created_at, text: timeOf(note.created_at) }),
    ]),
    el("span", { class: "text", testid: "inbox-note-text", text: note.text }),
  ]);
  state.rendered[key] = item;
  placeByTime(item, key);
}

// Times in the thread and list stay relative to now.
setInterval(() => {
  document.querySelectorAll("#conversations time, #messages time").forEach((node) => {
    node.textContent = timeOf(node.getAttribute("datetime"));
  });
}, 30000);

function markRead() {
  const c = state.current;
  if (!c || !state.lastSequence || c.status === "closed") return;
  if (!send({ type: "read", conversation_id: c.id, up_to_sequence: state.lastSequence })) {
    api("POST", `/conversations/${encodeURIComponent(c.id)}/read`, { up_to_sequence: state.lastSequence })
      .catch(() => { /* not allowed for this conversation */ });
  }
  refreshListSoon();
}

const canned = cannedReplies($("reply-text"), $("suggestions"));

$("reply").addEventListener("submit", async (event) => {
  event.preventDefault();
  const c = state.current;
  const input = $("reply-text");
  const text = input.value.trim();
  if (!c || !text) return;
  input.value = "";
  stopTyping();
  try {
    if (state.mode === "note") {
      addNote(await api("POST", `/conversations/${encodeURIComponent(c.id)}/notes`, { text }));
    } else {
      addMessage(await api("POST", `/conversations/${encodeURIComponent(c.id)}/messages`, { client_id: clientId(), text }));
      refreshDetail();
    }
    showError("");
  } catch (error) {
    input.value = text;
    showError(error.message);
  }
});

$("reply-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !canned.isOpen()) {
    event.preventDefault();
    $("reply").requestSubmit();
  }
});

$("reply-text").addEventListener("input", () => {
  const c = state.current;
  if (!c || state.mode !== "reply") return;
  const now = Date.now();
  if (now - state.typingSentAt > 2000) {
    state.typingSentAt = now;
    send({ type: "typing", conversation_id: c.id, typing: true });
  }
  clearTimeout(state.timers.typing);
  state.timers.typing = setTimeout(stopTyping, 4000);
});

function stopTyping() {
  clearTimeout(state.timers.typing);
  if (state.typingSentAt && state.current) send({ type: "typing", conversation_id: state.current.id, typing: false });
  state.typingSentAt = 0;
}

async function act(path, body) {
  const c = state.current;
  if (!c) return;
  try {
    await api("POST", `/conversations/${encodeURIComponent(c.id)}${path}`, body);
    showError("");
    await refreshDetail();
    loadList();
  } catch (error) { showError(error.message); await refreshDetail(); }
}
$("claim").addEventListener("click", () => act("/assign", { user_id: state.me.id }));
$("close").addEventListener("click", () => act("/close"));
$("reopen").addEventListener("click", () => act("/reopen"));
$("assign").addEventListener("change", () => {
  const [, id] = $("assign").value.split(":");
  if (id) act("/assign", { user_id: id });
});
$("transfer").addEventListener("change", () => {
  const [kind, id] = $("transfer").value.split(":");
  if (id) act("/transfer", kind === "team" ? { team_id: id } : { user_id: id });
});
$("back").addEventListener("click", () => { $("app").dataset.pane = "list"; loadList(); });
$("info").addEventListener("click", () => {
  const open = $("info-pane").classList.toggle("open");
  $("info").setAttribute("aria-expanded", String(open));
});

// ------------------------------------------------------------------ the socket

function send(frame) {
  if (!state.connected || !state.socket) return false;
  try { state.socket.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
}

function follow() {
  if (state.current) send({ type: "follow", conversation_id: state.current.id, after_sequence: state.lastSequence });
}

async function connect() {
  if (state.socket || state.opening || !sessionToken()) return;
  // A single-use ticket opens the socket: the session token never goes into a URL.
  state.opening = true;
  let pass;
  try {
    pass = await api("POST", "/auth/socket-ticket");
  } catch (e) {
    if (state.me) state.timers.reconnect = setTimeout(connect, Math.min(5000, 250 * Math.pow(2, state.attempts++)));
    return;
  } finally {
    state.opening = false;
  }
  if (state.socket || !sessionToken()) return;
  const url = location.origin.replace(/^http/, "ws") + "/ws/agent?ticket=" + encodeURIComponent(pass.ticket);
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.onopen = () => {
    state.connected = true;
    state.attempts = 0;
    $("connection").textContent = "online";
    $("connection").classList.add("online");
    follow();
    loadList();
  };
  socket.onmessage = (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    onFrame(frame);
  };
  socket.onclose = () => {
    state.connected = false;
    state.socket = null;
    $("connection").textContent = "offline";
    $("connection").classList.remove("online");
    if (!state.me) return;
    const delay = Math.min(5000, 250 * Math.pow(2, state.attempts++));
    state.timers.reconnect = setTimeout(connect, delay);
  };
}

function tell(frame) {
  const c = frame.conversation;
  if (!c || !notificationsOn()) return;
  const open = () => openConversation(c.id);
  if (frame.event === "new") notify("New chat", c.page_url || "A visitor started a chat", open);
  else if (["assigned", "transferred"].includes(frame.event) && c.assignee_id === state.me.id) {
    notify("A chat was assigned to you", c.page_url || "", open);
  }
}

function onFrame(frame) {
  const current = state.current;
  const here = current && frame.conversation_id === current.id;
  switch (frame.type) {
    case "conversation":
      tell(frame);
      refreshListSoon();
      if (current && frame.conversation && frame.conversation.id === current.id) refreshDetail();
      break;
    case "message":
      if (here && frame.message) { addMessage(frame.message); markRead(); } else refreshListSoon();
      break;
    case "note":
      if (here && frame.note) addNote(frame.note);
      break;
    case "typing":
      if (here && frame.sender_kind === "visitor") {
        $("typing").hidden = !frame.typing;
        clearTimeout(state.timers.visitorTyping);
        if (frame.typing) state.timers.visitorTyping = setTimeout(() => { $("typing").hidden = true; }, 8000);
      }
      break;
    case "closed":
    case "assigned":
    case "reopened":
      if (here) refreshDetail();
      refreshListSoon();
      break;
    case "agent_status":
      if (state.me && frame.user_id === state.me.id) $("status").value = frame.status === "away" ? "away" : "available";
      if (state.users[frame.user_id]) state.users[frame.user_id].status = frame.status;
      break;
    default:
      break;
  }
}

boot();
