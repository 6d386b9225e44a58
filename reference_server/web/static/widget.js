/*
 * Live chat lab — the chat widget, mounted by the loader (loader.js) in a shadow root.
 *
 *   window.__livechatWidget.mount(host, bridge, css) -> widget
 *   widget.setMode("hidden" | "launcher" | "prompt" | "open"), open(), close(), isOpen(),
 *   exitIntent(), destroy()
 *
 * The bridge is the loader: the config answer, the visitor token, the display actions that
 * write cookies (minimize / open / close), the cookie-banner answer and the SDK events.
 *
 * Messages travel over /ws/visitor. Each message the visitor writes has a client id and is
 * shown as "sending" until the server acknowledges it with its sequence number; after a
 * reconnect the widget asks for everything after the last sequence it has and resends what
 * was not acknowledged (same client id, so the server keeps one copy). Messages are placed
 * by sequence number and each number is shown once: nothing is lost, nothing doubled.
 *
 * Everything visitors, agents and settings wrote is put in the page with textContent,
 * never as HTML.
 */
(function () {
  "use strict";

  if (window.__livechatWidget) return;

  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  // ------------------------------------------------------------------ small helpers

  /** Make an element: props may hold class, text, testid, on* handlers and attributes. */
  function h(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "testid") node.setAttribute("data-testid", value);
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else if (value === true) node.setAttribute(key, "");
      else node.setAttribute(key, String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(path, stroke) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    if (stroke) {
      p.setAttribute("stroke", "currentColor");
      p.setAttribute("stroke-width", "2.2");
      p.setAttribute("fill", "none");
    }
    icon.appendChild(p);
    return icon;
  }

  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    if (/^https?:\/\//i.test(url) || (url.charAt(0) === "/" && url.charAt(1) !== "/")) return url;
    return null;
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function initials(name) {
    return String(name || "?").trim().split(/\s+/).slice(0, 2).map(function (w) {
      return w.charAt(0).toUpperCase();
    }).join("") || "?";
  }

  // ------------------------------------------------------------------ the widget

  function Widget(host, bridge, css) {
    this.host = host;
    this.bridge = bridge;
    this.config = bridge.config;
    this.language = this.config.language === "nb" ? "nb" : "en";
    this.mode = "hidden";
    this.conversation = null; // {id, status, agent, survey, survey_answered, email_known, consent}
    this.lastSequence = 0;
    this.rendered = {}; // sequence -> element
    this.pending = {}; // client_id -> {text, element}
    this.pendingOrder = []; // client ids in the order written
    this.startRef = null; // the ref of a start frame not yet answered
    this.socket = null;
    this.connected = false;
    this.attempts = 0;
    this.timers = {};
    this.destroyed = false;
    this.unread = 0;
    this.agreed = false; // OP4 "I agree" in this page view
    this.emailAsked = false;
    this.historyLoaded = null;
    this.shadow = host.attachShadow({ mode: "open" });
    this.build(css);
    var self = this;
    this.historyLoaded = bridge.openToNewThread ? Promise.resolve() : this.loadHistory();
    this.historyLoaded.then(function () {
      if (self.conversation && self.conversation.status !== "closed") self.connect();
    });
  }

  Widget.prototype.t = function (key, values) {
    var texts = this.config.texts || {};
    var text = texts[key];
    if (text === undefined) text = key;  // every text comes from domain/texts.py (OP1)
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };

  // ------------------------------------------------------------------ building the DOM

  Widget.prototype.build = function (css) {
    var self = this;
    var config = this.config;
    // A constructed style sheet: it needs no 'unsafe-inline' in the host page's CSP.
    var style = null;
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css || "");
      this.shadow.adoptedStyleSheets = [sheet];
    } catch (e) {
      style = h("style");
      style.textContent = css || "";
    }
    var root = h("div", { class: "lc-root", lang: this.language, testid: "lc-root" });
    if (COLOUR.test(config.accent_color || "")) root.style.setProperty("--lc-accent", config.accent_color);
    if ((config.display || {}).device === "mobile") root.classList.add("lc-mobile");
    if (this.bridge.inline) root.classList.add("lc-inline");
    this.root = root;

    // Launcher and its prompt bubble.
    this.unreadBadge = h("span", { class: "lc-unread", testid: "lc-unread", hidden: true });
    this.launcher = h("button", {
      class: "lc-launcher", type: "button", testid: "lc-launcher",
      "aria-label": this.t("widget.open_chat"),
      onclick: function () { self.bridge.interacted(); self.isOpen() ? self.minimize() : self.open(); }
    }, [svg(ICON_CHAT), this.unreadBadge]);
    this.promptText = h("span", { testid: "lc-prompt-text", text: this.promptMessage() });
    this.prompt = h("div", {
      class: "lc-prompt", role: "dialog", testid: "lc-prompt",
      onclick: function () { self.bridge.interacted(); self.open(); }
    }, [
      this.promptText,
      h("button", {
        class: "lc-prompt-close", type: "button", testid: "lc-prompt-close",
        "aria-label": this.t("widget.close_prompt"), text: "×",
        onclick: function (event) { event.stopPropagation(); self.bridge.interacted(); self.minimize(); }
      })
    ]);
    this.floatingBanner = h("div", { class: "lc-floating-banner", testid: "lc-floating-banner", hidden: true });

    // The chat window.
    this.window = h("section", {
      class: "lc-window", role: "dialog", "aria-label": this.t("widget.chat"), testid: "lc-window"
    }, [
      this.buildHeader(),
      this.buildTabs(),
      this.status = h("div", { class: "lc-status", testid: "lc-status", role: "status", hidden: true,
        text: this.t("widget.reconnecting") }),
      this.chatPanel = this.buildChatPanel(),
      this.helpPanel = this.buildHelpPanel()
    ]);
    root.appendChild(this.prompt);
    root.appendChild(this.floatingBanner);
    root.appendChild(this.window);
    if (!this.bridge.inline) root.appendChild(this.launcher);
    if (style) this.shadow.appendChild(style);
    this.shadow.appendChild(root);
    this.host.setAttribute("data-chatflow-id", config.chatflow_id || "");
    this.render();
  };

  Widget.prototype.promptMessage = function () {
    var availability = this.config.availability || {};
    if (availability.message_kind && availability.message_kind !== "welcome" && availability.message) {
      return availability.message;
    }
    return this.config.welcome_message || "";
  };

  Widget.prototype.buildHeader = function () {
    var self = this;
    var heading = this.config.heading || {};
    var people = heading.people || [];
    var avatars = h("div", { class: "lc-avatars" });
    people.slice(0, 3).forEach(function (person) {
      var url = safeUrl(person.avatar_url);
      avatars.appendChild(url
        ? h("img", { class: "lc-avatar", src: url, alt: "" })
        : h("span", { class: "lc-avatar", "aria-hidden": "true", text: initials(person.name) }));
    });
    var names = people.map(function (p) { return p.name; }).filter(Boolean).join(", ");
    this.headingName = h("div", { class: "lc-heading-name", testid: "lc-heading-name", text: names || this.t("widget.chat") });
    this.availabilityLine = h("div", { class: "lc-availability", testid: "lc-availability" });
    var availability = this.config.availability || {};
    var line = availability.state === "available" ? availability.reply_time_text : availability.message;
    this.availabilityLine.textContent = line || "";
    this.availabilityLine.hidden = !line;
    return h("header", { class: "lc-header", testid: "lc-heading" }, [
      avatars,
      h("div", { class: "lc-heading-text" }, [this.headingName, this.availabilityLine]),
      this.bridge.inline ? null : h("button", {
        class: "lc-minimize", type: "button", testid: "lc-minimize", "aria-label": this.t("widget.minimize"),
        onclick: function () { self.bridge.interacted(); self.minimize(); }
      }, [svg(ICON_CLOSE, true)])
    ]);
  };

  Widget.prototype.buildTabs = function () {
    var self = this;
    var kb = this.config.knowledge_base || {};
    if (!kb.enabled || !kb.id) return null;
    this.chatTab = h("button", { class: "lc-tab", type: "button", role: "tab", testid: "lc-tab-chat",
      "aria-selected": "true", text: this.t("widget.chat"), onclick: function () { self.showTab("chat"); } });
    this.helpTab = h("button", { class: "lc-tab", type: "button", role: "tab", testid: "lc-tab-help",
      "aria-selected": "false", text: this.t("widget.help"), onclick: function () { self.showTab("help"); } });
    return h("div", { class: "lc-tabs", role: "tablist" }, [this.chatTab, this.helpTab]);
  };

  Widget.prototype.showTab = function (name) {
    if (!this.helpTab) return;
    this.chatTab.setAttribute("aria-selected", String(name === "chat"));
    this.helpTab.setAttribute("aria-selected", String(name === "help"));
    this.chatPanel.hidden = name !== "chat";
    this.helpPanel.hidden = name !== "help";
    if (name === "help" && !this.kbBrowsed) {
      this.kbBrowsed = true;
      this.browseArticles();
    }
  };

  Widget.prototype.buildChatPanel = function () {
    var self = this;
    var plan = this.config.consent || {};
    this.messages = h("div", { class: "lc-messages", testid: "lc-messages", role: "log", "aria-live": "polite" });
    var heading = this.config.heading || {};
    var first = (heading.people || [])[0];
    this.messages.appendChild(this.messageElement({
      sender_kind: "welcome", text: this.config.welcome_message || "",
      sender: first ? { name: first.name } : null
    }));
    this.typing = h("div", { class: "lc-typing", testid: "lc-typing", hidden: true });
    this.cookieBanner = h("div", { class: "lc-card", testid: "lc-cookie-banner", hidden: true });

    // OP4 data processing and OP5 communication consent.
    this.consentCard = null;
    if (plan.data_processing || plan.communication_checkbox) {
      var parts = [];
      if (plan.data_processing) {
        parts.push(h("p", { testid: "lc-consent-text", text: plan.data_processing_text }));
        var privacy = safeUrl(plan.privacy_policy_url);
        if (privacy) {
          parts.push(h("p", {}, [h("a", { href: privacy, target: "_blank", rel: "noopener noreferrer",
            testid: "lc-privacy-link", text: this.t("widget.privacy_policy") })]));
        }
      }
      if (plan.communication_checkbox) {
        this.communicationBox = h("input", { type: "checkbox", testid: "lc-communication-checkbox" });
        parts.push(h("label", { class: "lc-check" }, [
          this.communicationBox, h("span", { testid: "lc-communication-text", text: plan.communication_text })
        ]));
      }
      if (plan.data_processing === "explicit") {
        this.agreeButton = h("button", { class: "lc-button", type: "button", testid: "lc-agree",
          text: this.t("widget.agree"), onclick: function () { self.agree(); } });
        parts.push(h("div", { class: "lc-actions" }, [this.agreeButton]));
      }
      this.consentCard = h("div", { class: "lc-card", testid: "lc-consent" }, parts);
    }

    // BD2 email capture.
    var capture = this.config.email_capture || {};
    this.emailInput = h("input", { type: "email", testid: "lc-email-input", autocomplete: "email",
      "aria-label": this.t("widget.email_label"), placeholder: this.t("widget.email_label") });
    this.emailError = h("div", { class: "lc-error", testid: "lc-email-error", hidden: true });
    this.emailForm = h("form", { class: "lc-card", testid: "lc-email-form", hidden: true, novalidate: true,
      onsubmit: function (event) { event.preventDefault(); self.submitEmail(); } }, [
      h("p", { testid: "lc-email-text", text: capture.text || this.t("email_capture.default") }),
      h("div", { class: "lc-row" }, [this.emailInput,
        h("button", { class: "lc-button", type: "submit", testid: "lc-email-submit", text: this.t("widget.send") })]),
      this.emailError
    ]);
    this.emailThanks = h("div", { class: "lc-card", testid: "lc-email-thanks", hidden: true });

    // OP7 survey and the closed notice.
    this.closedNotice = h("div", { class: "lc-card", testid: "lc-closed", hidden: true,
      text: this.t("widget.conversation_closed") });
    this.csat = h("div", { class: "lc-card", testid: "lc-csat", hidden: true });

    // Composer.
    this.input = h("textarea", { testid: "lc-input", rows: "1", maxlength: "5000",
      placeholder: this.t("widget.placeholder"), "aria-label": this.t("widget.placeholder"),
      oninput: function () { self.visitorTyping(); },
      onkeydown: function (event) {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); self.send(); }
      } });
    this.sendButton = h("button", { class: "lc-button", type: "button", testid: "lc-send",
      text: this.t("widget.send"), onclick: function () { self.send(); } });
    this.sendHint = h("div", { class: "lc-error", testid: "lc-send-hint", hidden: true });
    this.composer = h("div", { class: "lc-composer" }, [this.input, this.sendButton]);

    var scroller = h("div", { class: "lc-panel", testid: "lc-chat-panel" }, [
      this.cookieBanner, this.consentCard, this.messages, this.typing,
      this.emailForm, this.emailThanks, this.closedNotice, this.csat, this.sendHint, this.composer
    ]);
    this.updateSendState();
    return scroller;
  };

  Widget.prototype.buildHelpPanel = function () {
    var self = this;
    var kb = this.config.knowledge_base || {};
    if (!kb.enabled || !kb.id) return h("div", { hidden: true });
    this.searchInput = h("input", { type: "search", testid: "lc-kb-search", "aria-label": this.t("widget.search"),
      placeholder: this.t("widget.search") });
    this.results = h("ul", { class: "lc-results", testid: "lc-kb-results" });
    this.article = h("article", { class: "lc-article", testid: "lc-kb-article", hidden: true });
    this.searchInput.addEventListener("input", function () {
      clearTimeout(self.timers.search);
      self.timers.search = setTimeout(function () { self.search(); }, 300);
    });
    return h("div", { class: "lc-help", testid: "lc-help-panel", hidden: true }, [
      h("form", { class: "lc-search", role: "search",
        onsubmit: function (event) { event.preventDefault(); clearTimeout(self.timers.search); self.search(); } }, [
        this.searchInput,
        h("button", { class: "lc-button", type: "submit", testid: "lc-kb-submit", text: this.t("widget.search") })
      ]),
      this.results,
      this.article
    ]);
  };

  // ------------------------------------------------------------------ modes

  Widget.prototype.setMode = function (mode) {
    if (["hidden", "launcher", "prompt", "open"].indexOf(mode) < 0) mode = "hidden";
    if (this.bridge.inline) mode = "open";
    var was = this.mode;
    this.mode = mode;
    this.host.setAttribute("data-mode", mode);
    this.render();
    if (mode === "open" && was !== "open") this.opened();
  };

  Widget.prototype.render = function () {
    var mode = this.mode;
    this.launcher.hidden = mode === "hidden";
    this.prompt.hidden = mode !== "prompt" || !this.promptText.textContent;
    this.window.hidden = mode !== "open";
    this.floatingBanner.hidden = !this.floatingBannerShown || mode === "open" || mode === "hidden";
    this.launcher.setAttribute("aria-expanded", String(mode === "open"));
  };

  Widget.prototype.isOpen = function () { return this.mode === "open"; };

  /** The visitor (or the SDK) opens the chat: remembered for 30 minutes (hs-messages-is-open). */
  Widget.prototype.open = function () {
    if (this.mode === "open") return;
    this.setMode("open");
    this.bridge.action("open");
  };

  /** The SDK closes the chat window; the launcher stays. */
  Widget.prototype.close = function () {
    if (this.mode !== "open" || this.bridge.inline) return;
    this.setMode("launcher");
    this.bridge.action("close");
    this.bridge.emit("widgetClosed", { message: "The widget was closed" });
  };

  /** The visitor minimizes or dismisses: minimized everywhere for 24 hours (DS4). */
  Widget.prototype.minimize = function () {
    if (this.bridge.inline) return;
    this.setMode("launcher");
    this.bridge.action("minimize");
    this.bridge.emit("widgetClosed", { message: "The widget was minimized" });
  };

  Widget.prototype.opened = function () {
    var self = this;
    this.setUnread(0);
    this.maybeShowCookieBanner("before_chat");
    this.historyLoaded.then(function () {
      if (self.destroyed) return;
      if (self.conversation && self.conversation.status !== "closed") self.connect();
      self.sendReadReceipt();
    });
    setTimeout(function () { try { self.input.focus({ preventScroll: true }); } catch (e) { /* ignore */ } }, 0);
  };

  Widget.prototype.exitIntent = function () {
    this.maybeShowCookieBanner("exit_intent");
  };

  Widget.prototype.destroy = function () {
    this.destroyed = true;
    var self = this;
    Object.keys(this.timers).forEach(function (name) { clearTimeout(self.timers[name]); });
    if (this.socket) {
      this.socket.onclose = null;
      try { this.socket.close(1000); } catch (e) { /* ignore */ }
    }
    this.socket = null;
  };

  // ------------------------------------------------------------------ cookie banner (OP3)

  Widget.prototype.maybeShowCookieBanner = function (moment) {
    var plan = this.config.consent || {};
    var due = (plan.cookie_banner === "before_chat" && moment === "before_chat") ||
      (plan.cookie_banner === "on_exit" && moment === "exit_intent");
    if (!due || this.bridge.cookieAnswer() !== null) return;
    var self = this;
    var card = this.mode === "open" ? this.cookieBanner : this.floatingBanner;
    card.textContent = "";
    card.appendChild(h("p", { testid: "lc-cookie-text", text: plan.cookie_text }));
    card.appendChild(h("div", { class: "lc-actions" }, [
      h("button", { class: "lc-button", type: "button", testid: "lc-cookie-accept", text: this.t("widget.accept"),
        onclick: function () { self.answerCookies(true); } }),
      h("button", { class: "lc-button lc-secondary", type: "button", testid: "lc-cookie-decline",
        text: this.t("widget.decline"), onclick: function () { self.answerCookies(false); } })
    ]));
    if (card === this.cookieBanner) {
      card.hidden = false;
    } else {
      this.floatingBannerShown = true;
      this.render();
    }
  };

  Widget.prototype.answerCookies = function (accepted) {
    this.cookieBanner.hidden = true;
    this.floatingBannerShown = false;
    this.render();
    this.bridge.interacted();
    this.bridge.consentCookies(accepted);
    if (this.conversation) this.frame({ type: "consent", conversation_id: this.conversation.id, cookies: accepted });
  };

  // ------------------------------------------------------------------ data-processing consent (OP4)

  Widget.prototype.needsAgreement = function () {
    var plan = this.config.consent || {};
    if (plan.data_processing !== "explicit") return false;
    if (this.agreed) return false;
    var given = this.conversation && this.conversation.consent;
    return !(given && given.data_processing === true);
  };

  Widget.prototype.agree = function () {
    this.agreed = true;
    this.bridge.interacted();
    if (this.agreeButton) {
      this.agreeButton.disabled = true;
      this.agreeButton.setAttribute("data-agreed", "true");
    }
    if (this.consentCard) this.consentCard.hidden = true; // agreed: give the room to the chat
    if (this.conversation) {
      this.frame({ type: "consent", conversation_id: this.conversation.id, data_processing: true,
        communication: this.communicationBox ? this.communicationBox.checked : undefined });
    }
    this.updateSendState();
  };

  Widget.prototype.updateSendState = function () {
    var blocked = this.needsAgreement();
    this.sendButton.disabled = blocked;
    this.sendButton.setAttribute("aria-disabled", String(blocked));
    if (this.agreeButton && !blocked) {
      this.agreeButton.disabled = true;
      this.consentCard.hidden = true; // agreed before (this page or this conversation)
    }
    if (!blocked) this.sendHint.hidden = true;
  };

  // ------------------------------------------------------------------ history (CV1)

  Widget.prototype.request = function (method, path, body) {
    var options = {
      method: method,
      headers: { "X-Visitor-Token": this.bridge.visitorToken() || "" },
      credentials: "omit"
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var url = this.bridge.origin + "/widget/v1/" + encodeURIComponent(this.bridge.accountId) + path;
    return fetch(url, options).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var error = new Error((body.error && body.error.message) || ("HTTP " + response.status));
          error.status = response.status;
          error.body = body;
          throw error;
        });
      }
      return response.status === 204 ? null : response.json();
    });
  };

  /** The visitor's open conversation (if any) and its messages, so a reload or a new page
   * shows the whole chat. */
  Widget.prototype.loadHistory = function () {
    var self = this;
    return this.request("GET", "/conversations").then(function (list) {
      var open = (list || []).filter(function (c) { return c.status !== "closed"; });
      if (!open.length) return null;
      open.sort(function (a, b) { return String(b.created_at).localeCompare(String(a.created_at)); });
      self.adopt(open[0]);
      return self.fetchMessages();
    }).catch(function (error) {
      if (error && error.status !== 404) console.warn("livechat: history", error);
    });
  };

  Widget.prototype.fetchMessages = function () {
    var self = this;
    if (!this.conversation) return Promise.resolve();
    var path = "/conversations/" + encodeURIComponent(this.conversation.id) + "/messages?after=" + this.lastSequence;
    return this.request("GET", path).then(function (messages) {
      (messages || []).forEach(function (m) { self.addMessage(m, true); });
    });
  };

  Widget.prototype.adopt = function (conversation) {
    var isNew = !this.conversation || this.conversation.id !== conversation.id;
    this.conversation = conversation;
    if (isNew) this.host.setAttribute("data-conversation-id", conversation.id);
    if (conversation.agent) this.showAgent(conversation.agent);
    if (conversation.email_known) this.emailAsked = true;
    this.updateSendState();
  };

  Widget.prototype.showAgent = function (agent) {
    if (!agent || !agent.name) return;
    this.headingName.textContent = agent.name;
  };

  // ------------------------------------------------------------------ the socket

  /** The socket opens with a single-use ticket, so the visitor token never goes into a URL. */
  Widget.prototype.socketUrl = function (ticket) {
    var base = this.bridge.origin.replace(/^http/i, "ws");
    return base + "/ws/visitor?account_id=" + encodeURIComponent(this.bridge.accountId) +
      "&ticket=" + encodeURIComponent(ticket);
  };

  Widget.prototype.connect = function () {
    if (this.destroyed || this.socket || this.opening) return;
    var self = this;
    this.opening = true;
    this.request("POST", "/socket-ticket").then(function (pass) {
      self.opening = false;
      if (!self.destroyed && !self.socket) self.openSocket(pass.ticket);
    }, function () {
      self.opening = false;
      self.scheduleReconnect();
    });
  };

  Widget.prototype.openSocket = function (ticket) {
    var self = this;
    var socket;
    try {
      socket = new WebSocket(this.socketUrl(ticket));
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = function () {
      self.connected = true;
      self.attempts = 0;
      self.status.hidden = true;
      self.host.setAttribute("data-connected", "true");
      self.onConnected();
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      self.onFrame(frame);
    };
    socket.onclose = function () {
      self.connected = false;
      self.socket = null;
      self.host.setAttribute("data-connected", "false");
      if (self.destroyed) return;
      if (self.conversation || self.startRef || self.pendingOrder.length) self.status.hidden = false;
      self.scheduleReconnect();
    };
    socket.onerror = function () { /* onclose follows */ };
  };

  Widget.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.destroyed) return;
    clearTimeout(this.timers.reconnect);
    var delay = Math.min(5000, 250 * Math.pow(2, this.attempts));
    this.attempts += 1;
    this.timers.reconnect = setTimeout(function () { self.connect(); }, delay);
  };

  Widget.prototype.frame = function (data) {
    if (!this.connected || !this.socket) return false;
    try {
      this.socket.send(JSON.stringify(data));
      return true;
    } catch (e) {
      return false;
    }
  };

  /** After (re)connecting: catch up from the last sequence we have, then resend what the
   * server has not acknowledged (same client ids: the server keeps one copy). */
  Widget.prototype.onConnected = function () {
    var self = this;
    if (this.startRef) {
      // A start whose answer we never saw: the conversation may exist already.
      this.request("GET", "/conversations").then(function (list) {
        var open = (list || []).filter(function (c) { return c.status !== "closed"; });
        open.sort(function (a, b) { return String(b.created_at).localeCompare(String(a.created_at)); });
        if (open.length) {
          self.startRef = null;
          self.adopt(open[0]);
          self.resume();
          self.bridge.emit("conversationStarted", { conversation: { conversationId: open[0].id } });
        } else {
          self.sendStart();
        }
      }).catch(function () { self.sendStart(); });
      return;
    }
    if (this.conversation) this.resume();
    else if (this.pendingOrder.length) this.sendStart();
  };

  Widget.prototype.resume = function () {
    if (!this.conversation) return;
    this.frame({ type: "resume", conversation_id: this.conversation.id, after_sequence: this.lastSequence });
    var self = this;
    this.pendingOrder.forEach(function (clientId) {
      var item = self.pending[clientId];
      if (item) self.frame({ type: "message", conversation_id: self.conversation.id, client_id: clientId, text: item.text });
    });
  };

  Widget.prototype.onFrame = function (frame) {
    var conversationId = frame.conversation_id ||
      (frame.conversation && frame.conversation.id) || null;
    var mine = this.conversation && conversationId === this.conversation.id;
    switch (frame.type) {
      case "started":
        this.onStarted(frame);
        break;
      case "ack":
        if (frame.message) this.addMessage(frame.message, false);
        break;
      case "message":
        if (mine && frame.message) this.addMessage(frame.message, false);
        break;
      case "resumed":
        if (mine) this.onResumed(frame);
        break;
      case "typing":
        if (mine && frame.sender_kind === "agent") this.showTyping(frame);
        break;
      case "read":
        if (mine && frame.reader === "agent") this.markRead(frame.up_to_sequence);
        break;
      case "assigned":
        if (mine) { this.conversation.agent = frame.agent; this.showAgent(frame.agent); }
        break;
      case "closed":
        if (mine) this.onClosed(frame.survey || null);
        break;
      case "reopened":
        if (mine) { this.conversation.status = "waiting"; this.closedNotice.hidden = true; this.csat.hidden = true; }
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        break;
    }
  };

  Widget.prototype.onResumed = function (frame) {
    var self = this;
    if (frame.conversation) this.adopt(Object.assign({}, this.conversation, frame.conversation));
    (frame.messages || []).forEach(function (m) { self.addMessage(m, true); });
    if (this.conversation && this.conversation.status === "closed") this.onClosed(this.conversation.survey || null);
    this.sendReadReceipt();
  };

  Widget.prototype.onError = function (frame) {
    if (frame.ref && frame.ref === this.startRef) {
      this.startRef = null;
      this.failPending(frame.message);
      return;
    }
    if (frame.ref && this.pending[frame.ref]) {
      this.failOne(frame.ref, frame.message);
      return;
    }
    if (frame.code === "consent_required") {
      this.sendHint.textContent = this.t("widget.agree_first");
      this.sendHint.hidden = false;
    }
    console.warn("livechat:", frame.code, frame.message);
  };

  // ------------------------------------------------------------------ sending

  Widget.prototype.send = function () {
    var text = this.input.value.replace(/^\s+|\s+$/g, "");
    if (!text) return;
    this.bridge.interacted();
    if (this.needsAgreement()) {
      this.sendHint.textContent = this.t("widget.agree_first");
      this.sendHint.hidden = false;
      return;
    }
    this.input.value = "";
    this.stopTyping();
    if (this.conversation && this.conversation.status === "closed") this.startOver();
    var clientId = newClientId();
    var element = this.messageElement({ sender_kind: "visitor", text: text, client_id: clientId });
    element.setAttribute("data-state", "sending");
    this.messages.appendChild(element);
    this.scrollDown();
    this.pending[clientId] = { text: text, element: element };
    this.pendingOrder.push(clientId);
    if (!this.conversation) {
      if (!this.startRef) this.sendStart();
    } else {
      this.frame({ type: "message", conversation_id: this.conversation.id, client_id: clientId, text: text });
    }
    if (!this.socket) this.connect();
    this.maybeAskEmail();
  };

  /** Start the conversation with the first unacknowledged message. */
  Widget.prototype.sendStart = function () {
    var first = this.pendingOrder[0];
    if (!first) return;
    var ref = this.startRef || ("start-" + first);
    var plan = this.config.consent || {};
    var consent = {};
    if (plan.data_processing === "explicit") consent.data_processing = this.agreed;
    if (this.communicationBox) consent.communication = this.communicationBox.checked;
    var answer = this.bridge.cookieAnswer();
    if (answer !== null) consent.cookies = answer;
    var sent = this.frame({
      type: "start", ref: ref, chatflow_id: this.config.chatflow_id,
      page_url: location.href.slice(0, 2000), properties: {}, consent: consent,
      message: { client_id: first, text: this.pending[first].text }
    });
    // Not connected: onConnected starts it. Sent: until "started", a reconnect asks first.
    this.startRef = sent ? ref : null;
  };

  Widget.prototype.onStarted = function (frame) {
    if (!frame.conversation) return;
    var fresh = !this.conversation || this.conversation.id !== frame.conversation.id;
    this.startRef = null;
    this.adopt(frame.conversation);
    if (frame.message) this.addMessage(frame.message, false);
    // Messages written while the start was on its way go now.
    var self = this;
    this.pendingOrder.forEach(function (clientId) {
      var item = self.pending[clientId];
      if (item) self.frame({ type: "message", conversation_id: self.conversation.id, client_id: clientId, text: item.text });
    });
    if (fresh) this.bridge.emit("conversationStarted", { conversation: { conversationId: frame.conversation.id } });
  };

  Widget.prototype.failPending = function (message) {
    var self = this;
    this.pendingOrder.slice().forEach(function (id) { self.failOne(id, message); });
  };

  Widget.prototype.failOne = function (clientId, message) {
    var item = this.pending[clientId];
    if (!item) return;
    item.element.setAttribute("data-state", "failed");
    item.element.setAttribute("title", message || "");
    delete this.pending[clientId];
    this.pendingOrder = this.pendingOrder.filter(function (id) { return id !== clientId; });
  };

  /** A closed conversation stays on screen; the next message starts a new one. */
  Widget.prototype.startOver = function () {
    this.conversation = null;
    this.host.removeAttribute("data-conversation-id");
    this.lastSequence = 0;
    this.rendered = {};
    this.closedNotice.hidden = true;
    this.csat.hidden = true;
    this.emailAsked = false;
  };

  // ------------------------------------------------------------------ messages

  Widget.prototype.senderName = function (message) {
    if (message.sender_kind === "visitor") return null;
    var heading = this.config.heading || {};
    if (heading.brand_alias && heading.people && heading.people[0]) return heading.people[0].name;
    return message.sender && message.sender.name ? message.sender.name : null;
  };

  Widget.prototype.messageElement = function (message) {
    var kind = message.sender_kind === "visitor" ? "visitor"
      : message.sender_kind === "welcome" ? "welcome"
      : message.sender_kind === "system" ? "system" : "agent";
    var name = kind === "visitor" ? null : this.senderName(message);
    var element = h("div", { class: "lc-msg lc-msg-" + kind, testid: "lc-message",
      "data-sender": kind }, [
      name ? h("div", { class: "lc-msg-sender", testid: "lc-message-sender", text: name }) : null,
      h("div", { class: "lc-msg-text", testid: "lc-message-text", text: message.text })
    ]);
    if (message.sequence) element.setAttribute("data-sequence", String(message.sequence));
    if (message.client_id) element.setAttribute("data-client-id", message.client_id);
    return element;
  };

  /** Show a stored message once, in sequence order. A message the visitor wrote replaces
   * its "sending" copy. */
  Widget.prototype.addMessage = function (message, fromHistory) {
    if (!message || typeof message.sequence !== "number") return;
    if (this.conversation && message.conversation_id && message.conversation_id !== this.conversation.id) return;
    var seq = message.sequence;
    var pending = message.sender_kind === "visitor" ? this.pending[message.client_id] : null;
    if (pending) {
      delete this.pending[message.client_id];
      this.pendingOrder = this.pendingOrder.filter(function (id) { return id !== message.client_id; });
    }
    if (this.rendered[seq]) {
      if (pending && pending.element !== this.rendered[seq] && pending.element.parentNode) {
        pending.element.parentNode.removeChild(pending.element);
      }
      return;
    }
    var element;
    if (pending) {
      element = pending.element;
      element.removeAttribute("data-state");
      element.setAttribute("data-sequence", String(seq));
      element.parentNode && element.parentNode.removeChild(element);
    } else {
      element = this.messageElement(message);
    }
    if (message.read_at && message.sender_kind === "visitor") element.setAttribute("data-read", "true");
    this.rendered[seq] = element;
    this.insertInOrder(element, seq);
    if (seq > this.lastSequence) this.lastSequence = seq;
    if (message.sender_kind === "agent") {
      this.hideTyping();
      if (this.mode === "open") this.sendReadReceipt();
      else if (!fromHistory && !message.read_at) this.setUnread(this.unread + 1);
    }
    this.updateReceipt();
    this.scrollDown();
  };

  Widget.prototype.insertInOrder = function (element, seq) {
    var children = this.messages.querySelectorAll("[data-sequence]");
    for (var i = 0; i < children.length; i++) {
      var other = children[i];
      if (other === element) continue;
      if (Number(other.getAttribute("data-sequence")) > seq) {
        this.messages.insertBefore(element, other);
        return;
      }
    }
    // After the last stored message, before any still "sending".
    var sending = this.messages.querySelector('[data-state="sending"]');
    this.messages.insertBefore(element, sending || null);
  };

  Widget.prototype.scrollDown = function () {
    this.messages.scrollTop = this.messages.scrollHeight;
  };

  // ------------------------------------------------------------------ typing and read receipts

  Widget.prototype.visitorTyping = function () {
    var self = this;
    if (!this.conversation) return;
    var now = Date.now();
    if (!this.typingSentAt || now - this.typingSentAt > 2000) {
      this.typingSentAt = now;
      this.frame({ type: "typing", conversation_id: this.conversation.id, typing: true });
    }
    clearTimeout(this.timers.typingStop);
    this.timers.typingStop = setTimeout(function () { self.stopTyping(); }, 4000);
  };

  Widget.prototype.stopTyping = function () {
    clearTimeout(this.timers.typingStop);
    if (this.typingSentAt && this.conversation) {
      this.frame({ type: "typing", conversation_id: this.conversation.id, typing: false });
    }
    this.typingSentAt = 0;
  };

  Widget.prototype.showTyping = function (frame) {
    var self = this;
    if (!frame.typing) { this.hideTyping(); return; }
    var name = (frame.sender && frame.sender.name) || this.senderName({ sender_kind: "agent", sender: frame.sender }) || "";
    this.typing.textContent = this.t("widget.typing", { name: name });
    this.typing.hidden = false;
    clearTimeout(this.timers.typing);
    this.timers.typing = setTimeout(function () { self.hideTyping(); }, 8000);
  };

  Widget.prototype.hideTyping = function () {
    clearTimeout(this.timers.typing);
    this.typing.hidden = true;
  };

  Widget.prototype.sendReadReceipt = function () {
    if (!this.conversation || this.mode !== "open" || !this.lastSequence) return;
    if (this.readSent >= this.lastSequence) return;
    if (this.frame({ type: "read", conversation_id: this.conversation.id, up_to_sequence: this.lastSequence })) {
      this.readSent = this.lastSequence;
    }
  };

  Widget.prototype.markRead = function (upTo) {
    var self = this;
    Object.keys(this.rendered).forEach(function (seq) {
      var element = self.rendered[seq];
      if (Number(seq) <= upTo && element.getAttribute("data-sender") === "visitor") {
        element.setAttribute("data-read", "true");
      }
    });
    this.updateReceipt();
  };

  /** "Read" under the visitor's last message the agent has read. */
  Widget.prototype.updateReceipt = function () {
    var old = this.messages.querySelector('[data-testid="lc-read"]');
    var read = this.messages.querySelectorAll('.lc-msg-visitor[data-read="true"]');
    var last = read.length ? read[read.length - 1] : null;
    if (old && old.parentNode === last) return;
    if (old) old.parentNode.removeChild(old);
    if (last) last.appendChild(h("div", { class: "lc-receipt", testid: "lc-read", text: this.t("widget.read") }));
  };

  Widget.prototype.setUnread = function (count) {
    if (count === this.unread) return;
    this.unread = count;
    this.unreadBadge.textContent = String(count);
    this.unreadBadge.hidden = count === 0;
    this.bridge.emit("unreadConversationCountChanged", { unreadCount: count });
  };

  // ------------------------------------------------------------------ email capture (BD2)

  Widget.prototype.maybeAskEmail = function () {
    var capture = this.config.email_capture || {};
    if (!capture.ask || this.emailAsked) return;
    this.emailAsked = true;
    this.emailForm.hidden = false;
  };

  Widget.prototype.submitEmail = function () {
    var self = this;
    var email = this.emailInput.value.trim();
    if (!EMAIL.test(email)) {
      this.emailError.textContent = this.t("widget.email_invalid");
      this.emailError.hidden = false;
      return;
    }
    this.emailError.hidden = true;
    var send = function () {
      if (!self.conversation) return Promise.reject(new Error("no conversation yet"));
      return self.request("POST", "/conversations/" + encodeURIComponent(self.conversation.id) + "/email",
        { email: email });
    };
    var attempt = function (left) {
      return send().catch(function (error) {
        if (left > 0 && !self.destroyed && (!error.status || !self.conversation)) {
          return new Promise(function (resolve) { setTimeout(resolve, 400); }).then(function () { return attempt(left - 1); });
        }
        throw error;
      });
    };
    attempt(10).then(function () {
      self.emailForm.hidden = true;
      self.emailThanks.textContent = self.t("widget.email_thanks", { email: email });
      self.emailThanks.hidden = false;
      if (self.conversation) self.conversation.email_known = true;
      self.bridge.emit("contactAssociated", { message: "The visitor left an email address" });
    }).catch(function (error) {
      self.emailError.textContent = (error && error.message) || self.t("widget.email_invalid");
      self.emailError.hidden = false;
    });
  };

  // ------------------------------------------------------------------ closing and CSAT (OP7)

  Widget.prototype.onClosed = function (survey) {
    if (!this.conversation) return;
    var wasClosed = this.conversation.status === "closed" && !this.closedNotice.hidden;
    this.conversation.status = "closed";
    this.closedNotice.hidden = false;
    this.hideTyping();
    if (survey && !this.conversation.survey_answered) this.showSurvey(survey);
    if (!wasClosed) this.bridge.emit("conversationClosed", { conversation: { conversationId: this.conversation.id } });
  };

  Widget.prototype.showSurvey = function (survey) {
    var self = this;
    var rating = 0;
    var card = this.csat;
    card.textContent = "";
    var stars = h("div", { class: "lc-stars", role: "group" });
    var submit = h("button", { class: "lc-button", type: "button", testid: "lc-csat-submit", disabled: true,
      text: this.t("widget.submit") });
    for (var i = 1; i <= 5; i++) {
      (function (value) {
        stars.appendChild(h("button", { class: "lc-star", type: "button", testid: "lc-csat-rating-" + value,
          "aria-pressed": "false", "aria-label": String(value), text: String(value),
          onclick: function () {
            rating = value;
            Array.prototype.forEach.call(stars.children, function (b, index) {
              b.setAttribute("aria-pressed", String(index + 1 === value));
            });
            submit.disabled = false;
          } }));
      })(i);
    }
    var comment = h("textarea", { testid: "lc-csat-comment", maxlength: "10000",
      placeholder: this.t("widget.csat_comment"), "aria-label": this.t("widget.csat_comment") });
    var conversationId = this.conversation.id;
    submit.addEventListener("click", function () {
      if (!rating) return;
      submit.disabled = true;
      self.request("POST", "/conversations/" + encodeURIComponent(conversationId) + "/csat",
        { rating: rating, comment: comment.value.trim() }).then(function () {
        card.textContent = "";
        card.appendChild(h("p", { testid: "lc-csat-thanks", text: self.t("widget.csat_thanks") }));
        if (self.conversation) self.conversation.survey_answered = true;
      }).catch(function (error) {
        submit.disabled = false;
        console.warn("livechat: survey", error);
      });
    });
    card.appendChild(h("p", { testid: "lc-csat-question", text: survey.question || this.t("widget.csat_question") }));
    card.appendChild(stars);
    card.appendChild(comment);
    card.appendChild(submit);
    card.hidden = false;
  };

  // ------------------------------------------------------------------ help tab (BD5)

  Widget.prototype.kbPath = function (rest) {
    return "/knowledge-base/" + encodeURIComponent(this.config.knowledge_base.id) + rest;
  };

  Widget.prototype.browseArticles = function () {
    var self = this;
    this.request("GET", this.kbPath("/articles")).then(function (articles) {
      if (!self.searchInput.value.trim()) self.showResults(articles || []);
    }).catch(function (error) { console.warn("livechat: help", error); });
  };

  Widget.prototype.search = function () {
    var self = this;
    var query = this.searchInput.value.trim();
    if (!query) { this.browseArticles(); return; }
    this.searchSeq = (this.searchSeq || 0) + 1;
    var seq = this.searchSeq;
    this.request("GET", this.kbPath("/search?q=" + encodeURIComponent(query.slice(0, 200)))).then(function (hits) {
      if (seq === self.searchSeq) self.showResults(hits || []);
    }).catch(function (error) { console.warn("livechat: search", error); });
  };

  Widget.prototype.showResults = function (items) {
    var self = this;
    this.article.hidden = true;
    this.results.hidden = false;
    this.results.textContent = "";
    if (!items.length) {
      this.results.appendChild(h("li", { class: "lc-result", testid: "lc-kb-empty", text: this.t("widget.no_results") }));
      return;
    }
    items.forEach(function (item) {
      self.results.appendChild(h("li", { class: "lc-result" }, [
        h("button", { type: "button", testid: "lc-kb-result", "data-article-id": item.id,
          onclick: function () { self.openArticle(item.id); } }, [
          h("span", { class: "lc-result-title", testid: "lc-kb-result-title", text: item.title }),
          h("span", { class: "lc-result-meta", text: item.snippet || item.category || "" })
        ])
      ]));
    });
  };

  Widget.prototype.openArticle = function (articleId) {
    var self = this;
    this.request("GET", this.kbPath("/articles/" + encodeURIComponent(articleId))).then(function (article) {
      var view = self.article;
      view.textContent = "";
      view.appendChild(h("button", { class: "lc-link", type: "button", testid: "lc-kb-back",
        text: "‹ " + self.t("widget.back"), onclick: function () { view.hidden = true; self.results.hidden = false; } }));
      view.appendChild(h("h3", { testid: "lc-kb-article-title", text: article.title }));
      String(article.body || "").split(/\n{2,}/).forEach(function (paragraph) {
        view.appendChild(h("p", { text: paragraph }));
      });
      self.results.hidden = true;
      view.hidden = false;
    }).catch(function (error) { console.warn("livechat: article", error); });
  };

  window.__livechatWidget = {
    mount: function (host, bridge, css) { return new Widget(host, bridge, css); }
  };
})();
