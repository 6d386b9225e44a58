/*
 * Live chat lab — the agent inbox (CV2, CV4, RT6).
 *
 * Log in (POST /api/v1/auth/login; the token is kept for this tab in sessionStorage), then:
 * the views unassigned / mine / all / closed (GET /api/v1/conversations?view=), a
 * conversation with its visitor context and messages, reply (POST .../messages with a client
 * id), claim (POST .../assign to oneself), close, reopen, and one's own status
 * (PUT /api/v1/users/{id}/status). Live updates and typing go over /ws/agent, opened with a
 * single-use ticket (POST /api/v1/auth/socket-ticket).
 *
 * Every text from visitors, agents or settings is shown with textContent, never as HTML.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "livechat:inbox-token";
  var state = {
    token: null,
    me: null,
    users: {},
    view: "unassigned",
    current: null, // the open conversation (detail)
    rendered: {}, // sequence -> element, for the open conversation
    lastSequence: 0,
    socket: null,
    opening: false, // asking for a socket ticket
    connected: false,
    attempts: 0,
    typingSentAt: 0,
    timers: {}
  };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined) return;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key === "testid") node.setAttribute("data-testid", value);
      else node.setAttribute(key, String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "a" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function api(method, path, body) {
    var options = { method: method, headers: {}, credentials: "same-origin" };
    if (state.token) options.headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/api/v1" + path, options).then(function (response) {
      if (response.status === 401 && path !== "/auth/login") {
        logout(false);
        throw new Error("logged out");
      }
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          var error = new Error((data.error && data.error.message) || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        });
      }
      return response.status === 204 ? null : response.json();
    });
  }

  function showError(message) {
    var box = $("reply-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // ------------------------------------------------------------------ log in and out

  function showLogin() {
    $("app").hidden = true;
    $("login").hidden = false;
  }

  function boot() {
    state.token = sessionStorage.getItem(TOKEN_KEY);
    if (!state.token) { showLogin(); return; }
    api("GET", "/auth/me").then(function (me) {
      return Promise.all([api("GET", "/users/" + encodeURIComponent(me.user_id)), api("GET", "/users")]);
    }).then(function (answers) {
      state.me = answers[0];
      (answers[1] || []).forEach(function (user) { state.users[user.id] = user; });
      $("me").textContent = state.me.name;
      $("status").value = state.me.status === "away" ? "away" : "available";
      $("login").hidden = true;
      $("app").hidden = false;
      connect();
      selectView(state.view);
    }).catch(function () { showLogin(); });
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("login-error").hidden = true;
    api("POST", "/auth/login", { email: $("login-email").value.trim(), password: $("login-password").value })
      .then(function (session) {
        sessionStorage.setItem(TOKEN_KEY, session.token);
        boot();
      })
      .catch(function (error) {
        $("login-error").textContent = error.message;
        $("login-error").hidden = false;
      });
  });

  function logout(tell) {
    var done = function () {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
      showLogin();
    };
    if (tell && state.token) api("POST", "/auth/logout").then(done, done); else done();
  }
  $("logout").addEventListener("click", function () { logout(true); });

  $("status").addEventListener("change", function () {
    var wanted = $("status").value;
    api("PUT", "/users/" + encodeURIComponent(state.me.id) + "/status", { status: wanted })
      .then(function (user) { state.me = user; $("status").setAttribute("data-saved", user.status); })
      .catch(function (error) { showError(error.message); });
  });

  // ------------------------------------------------------------------ the list

  Array.prototype.forEach.call(document.querySelectorAll("[data-view]"), function (button) {
    button.addEventListener("click", function () { selectView(button.getAttribute("data-view")); });
  });

  function selectView(view) {
    state.view = view;
    Array.prototype.forEach.call(document.querySelectorAll("[data-view]"), function (button) {
      button.setAttribute("aria-selected", String(button.getAttribute("data-view") === view));
    });
    loadList();
  }

  function loadList() {
    var view = state.view;
    api("GET", "/conversations?view=" + encodeURIComponent(view) + "&limit=100").then(function (rows) {
      if (view !== state.view) return;
      var list = $("conversations");
      list.textContent = "";
      $("empty").hidden = rows.length > 0;
      rows.forEach(function (c) {
        var item = el("li", { testid: "inbox-conversation", "data-conversation-id": c.id,
          "data-status": c.status, "aria-current": String(!!state.current && state.current.id === c.id) }, [
          el("div", { class: "line1" }, [
            el("span", { text: "Visitor " + c.visitor_id.slice(-6) }),
            el("span", { class: "badge", text: c.status })
          ]),
          el("div", { class: "line2", text: c.page_url || "" })
        ]);
        item.addEventListener("click", function () { openConversation(c.id); });
        list.appendChild(item);
      });
    }).catch(function (error) { console.warn("inbox: list", error); });
  }

  function refreshListSoon() {
    clearTimeout(state.timers.list);
    state.timers.list = setTimeout(loadList, 150);
  }

  // ------------------------------------------------------------------ one conversation

  function openConversation(id) {
    if (state.current && state.current.id !== id) send({ type: "unfollow", conversation_id: state.current.id });
    state.rendered = {};
    state.lastSequence = 0;
    $("messages").textContent = "";
    $("typing").hidden = true;
    showError("");
    return api("GET", "/conversations/" + encodeURIComponent(id)).then(function (detail) {
      state.current = detail;
      renderDetail();
      Array.prototype.forEach.call(document.querySelectorAll("#conversations li"), function (li) {
        li.setAttribute("aria-current", String(li.getAttribute("data-conversation-id") === id));
      });
      return api("GET", "/conversations/" + encodeURIComponent(id) + "/messages?limit=500");
    }).then(function (messages) {
      messages.forEach(addMessage);
      follow();
      markRead();
    }).catch(function (error) { showError(error.message); });
  }

  function refreshDetail() {
    if (!state.current) return;
    api("GET", "/conversations/" + encodeURIComponent(state.current.id)).then(function (detail) {
      if (state.current && state.current.id === detail.id) { state.current = detail; renderDetail(); }
    }).catch(function () { /* gone */ });
  }

  function renderDetail() {
    var c = state.current;
    $("pick").hidden = true;
    $("detail").hidden = false;
    $("detail").setAttribute("data-conversation-id", c.id);
    $("detail").setAttribute("data-status", c.status);
    $("thread-title").textContent = (c.contact && (c.contact.name || c.contact.email)) || ("Visitor " + c.visitor_id.slice(-6));
    var context = $("context");
    context.textContent = "";
    var assignee = c.assignee_id ? (state.users[c.assignee_id] ? state.users[c.assignee_id].name : c.assignee_id) : "nobody";
    var consent = c.consent || {};
    var rows = [
      ["Status", c.status],
      ["Assigned to", assignee],
      ["Page", c.page_url || "—"],
      ["Contact", c.contact ? (c.contact.email || c.contact.name || c.contact.id) : "unknown visitor"],
      ["Chatflow", c.chatflow ? c.chatflow.name : "—"],
      ["Language", c.language],
      ["Consent", "cookies: " + fmt(consent.cookies) + ", data processing: " + fmt(consent.data_processing) +
        ", communication: " + fmt(consent.communication)]
    ];
    if (c.ticket_id) rows.push(["Ticket", c.ticket_id]);
    if (c.survey_answer) rows.push(["Survey", c.survey_answer.rating + "/5 " + (c.survey_answer.comment || "")]);
    rows.forEach(function (row) {
      context.appendChild(el("dt", { text: row[0] }));
      context.appendChild(el("dd", { text: row[1], "data-field": row[0].toLowerCase().replace(/\s+/g, "-") }));
    });
    var closed = c.status === "closed";
    var mine = c.assignee_id === state.me.id;
    $("claim").hidden = closed || mine;
    $("close").hidden = closed;
    $("reopen").hidden = !closed;
    $("reply").hidden = closed;
  }

  function fmt(value) { return value === true ? "yes" : value === false ? "no" : "not asked"; }

  function senderLabel(message) {
    if (message.sender_kind === "visitor") return "Visitor";
    if (message.sender_kind === "system") return "";
    var user = state.users[message.sender_id];
    return user ? user.name : (message.sender && message.sender.name) || "Agent";
  }

  function addMessage(message) {
    if (!state.current || message.conversation_id !== state.current.id) return;
    if (state.rendered[message.sequence]) return;
    var label = senderLabel(message);
    var item = el("li", { testid: "inbox-message", "data-sender": message.sender_kind,
      "data-sequence": message.sequence }, [
      label ? el("span", { class: "who", text: label }) : null,
      el("span", { class: "text", testid: "inbox-message-text", text: message.text })
    ]);
    state.rendered[message.sequence] = item;
    var list = $("messages");
    var after = null;
    Array.prototype.some.call(list.children, function (child) {
      if (Number(child.getAttribute("data-sequence")) > message.sequence) { after = child; return true; }
      return false;
    });
    list.insertBefore(item, after);
    if (message.sequence > state.lastSequence) state.lastSequence = message.sequence;
    if (message.sender_kind === "visitor") $("typing").hidden = true;
    list.scrollTop = list.scrollHeight;
  }

  function markRead() {
    var c = state.current;
    if (!c || !state.lastSequence || c.status === "closed") return;
    if (!send({ type: "read", conversation_id: c.id, up_to_sequence: state.lastSequence })) {
      api("POST", "/conversations/" + encodeURIComponent(c.id) + "/read", { up_to_sequence: state.lastSequence })
        .catch(function () { /* not allowed for this conversation */ });
    }
  }

  $("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var c = state.current;
    var input = $("reply-text");
    var text = input.value.trim();
    if (!c || !text) return;
    input.value = "";
    stopTyping();
    api("POST", "/conversations/" + encodeURIComponent(c.id) + "/messages", { client_id: clientId(), text: text })
      .then(function (message) { addMessage(message); showError(""); refreshDetail(); })
      .catch(function (error) { input.value = text; showError(error.message); });
  });

  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply").requestSubmit();
    }
  });

  $("reply-text").addEventListener("input", function () {
    var c = state.current;
    if (!c) return;
    var now = Date.now();
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

  function act(path, body) {
    var c = state.current;
    if (!c) return;
    api("POST", "/conversations/" + encodeURIComponent(c.id) + path, body)
      .then(function () { showError(""); refreshDetail(); loadList(); })
      .catch(function (error) { showError(error.message); });
  }
  $("claim").addEventListener("click", function () { act("/assign", { user_id: state.me.id }); });
  $("close").addEventListener("click", function () { act("/close"); });
  $("reopen").addEventListener("click", function () { act("/reopen"); });

  // ------------------------------------------------------------------ the socket

  function send(frame) {
    if (!state.connected || !state.socket) return false;
    try { state.socket.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function follow() {
    if (state.current) send({ type: "follow", conversation_id: state.current.id, after_sequence: state.lastSequence });
  }

  function connect() {
    if (state.socket || state.opening || !state.token) return;
    // A single-use ticket opens the socket: the session token never goes into a URL.
    state.opening = true;
    api("POST", "/auth/socket-ticket").then(function (pass) {
      state.opening = false;
      if (state.token && !state.socket) openSocket(pass.ticket);
    }, function () {
      state.opening = false;
      if (state.token) state.timers.reconnect = setTimeout(connect, Math.min(5000, 250 * Math.pow(2, state.attempts++)));
    });
  }

  function openSocket(ticket) {
    var url = location.origin.replace(/^http/, "ws") + "/ws/agent?ticket=" + encodeURIComponent(ticket);
    var socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = function () {
      state.connected = true;
      state.attempts = 0;
      $("connection").textContent = "online";
      $("connection").classList.add("online");
      follow();
      loadList();
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      onFrame(frame);
    };
    socket.onclose = function () {
      state.connected = false;
      state.socket = null;
      $("connection").textContent = "offline";
      $("connection").classList.remove("online");
      if (!state.token) return;
      var delay = Math.min(5000, 250 * Math.pow(2, state.attempts++));
      state.timers.reconnect = setTimeout(connect, delay);
    };
  }

  function onFrame(frame) {
    var current = state.current;
    var here = current && frame.conversation_id === current.id;
    switch (frame.type) {
      case "conversation":
        refreshListSoon();
        if (current && frame.conversation && frame.conversation.id === current.id) refreshDetail();
        break;
      case "message":
        if (here && frame.message) { addMessage(frame.message); markRead(); }
        break;
      case "typing":
        if (here && frame.sender_kind === "visitor") {
          $("typing").hidden = !frame.typing;
          clearTimeout(state.timers.visitorTyping);
          if (frame.typing) state.timers.visitorTyping = setTimeout(function () { $("typing").hidden = true; }, 8000);
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
})();
