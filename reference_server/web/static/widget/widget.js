/**
 * The chat widget in its shadow root: launcher, prompt, and the chat window with its
 * thread, cards, composer, help tab and the list of the visitor's conversations.
 *
 * It shows what the server decided (config and conversation views): who answers and what
 * the header says (``presentation``), whether the visitor may write and why not (``send``),
 * when the cookie banner is due (``consent.banner_at``). It never re-derives a rule.
 *
 * Messages go over /ws/visitor (connection.js); what the server has not stored yet waits in
 * the outbox (outbox.js) and is resent with the same client id after every reconnect and
 * page load; the thread shows each sequence number once, in order (thread.js).
 */

import { closedCard, consentCard, cookieBanner, emailCard } from "./cards.js";
import { connection } from "./connection.js";
import { bannerDue, consentView } from "./consent.js";
import { ICONS, h, icon, safeColour } from "./dom.js";
import { buildHeader } from "./header.js";
import { helpPanel } from "./help.js";
import { markFailed, markSending, markStored, messageElement, updateReceipt } from "./messages.js";
import { outbox } from "./outbox.js";
import { widgetApi } from "./api.js";
import { refusalText, translator } from "./texts.js";
import { sdkEvent } from "./sdk.js";
import { sequences } from "./thread.js";
import { threadList } from "./threads.js";
import { unreadTally } from "./unread.js";

const MODES = ["hidden", "launcher", "prompt", "open"];
const TYPING_EVERY_MS = 2000;
const TYPING_STOPS_MS = 4000;
const TYPING_SHOWN_MS = 8000;

export class Widget {
  constructor(host, shadow, bridge) {
    this.host = host;
    this.shadow = shadow;
    this.bridge = bridge;
    this.config = bridge.config;
    this.settings = bridge.settings || {};
    this.mode = "hidden";
    this.destroyed = false;
    this.timers = {};
    this.conversation = null; // the visitor view on screen (null: a new conversation)
    this.seqs = sequences();
    this.rendered = new Map(); // sequence -> bubble
    this.bubbles = new Map(); // client id -> bubble not stored yet
    this.inFlight = new Set(); // client ids sent on this connection
    this.startRef = null;
    this.unread = unreadTally();
    this.closedSeen = new Set();
    this.bannerAnswered = false;
    this.asked = 0; // decisions asked for: only the newest answer is shown
    this.emailAsked = false;
    this.readSent = 0;
    this.request = widgetApi({
      origin: bridge.origin,
      accountId: bridge.accountId,
      visitorToken: () => bridge.visitorToken(),
    });
    this.outbox = outbox({ storage: bridge.storage || null, key: `livechat:${bridge.accountId}:outbox` });
    this.socket = connection({
      url: () => this.socketUrl(),
      onOpen: () => this.onConnected(),
      onFrame: (frame) => this.onFrame(frame),
      onDown: () => this.onDown(),
    });
    this.build();
    const first = bridge.openToNewThread ? null : this.config.conversation || null;
    this.outbox.retarget(first ? first.id : null);
    this.show(first);
    this.outbox.all().forEach((item) => this.restoreBubble(item));
    if (first) this.loadMessages().then(() => this.socket.connect());
    else if (this.outbox.sending().length) this.socket.connect();
    this.loadUnread();
  }

  // ------------------------------------------------------------------ what is on screen

  get presentation() {
    return (this.conversation && this.conversation.presentation) || this.config.presentation;
  }

  get send() {
    return this.conversation ? this.conversation.send : this.config.send;
  }

  get closed() {
    return Boolean(this.conversation && this.conversation.status === "closed");
  }

  t(key, values) {
    return this.translate(key, values);
  }

  // ------------------------------------------------------------------ building

  build() {
    const inline = Boolean(this.bridge.inline);
    this.translate = translator(this.presentation.texts);
    const t = (key, values) => this.t(key, values);
    const root = h("div", { class: "lc-root", testid: "lc-root" });
    if ((this.config.display || {}).device === "mobile") root.classList.add("lc-mobile");
    if (inline) root.classList.add("lc-inline");
    this.root = root;

    this.unreadBadge = h("span", { class: "lc-unread", testid: "lc-unread", hidden: true });
    this.launcher = h(
      "button",
      {
        class: "lc-launcher",
        type: "button",
        testid: "lc-launcher",
        onclick: () => {
          this.bridge.interacted();
          if (this.isOpen()) this.minimize();
          else this.open();
        },
      },
      [icon(ICONS.chat), this.unreadBadge],
    );
    this.promptText = h("span", { testid: "lc-prompt-text" });
    this.promptClose = h("button", {
      class: "lc-prompt-close",
      type: "button",
      testid: "lc-prompt-close",
      text: "×",
      onclick: (event) => {
        event.stopPropagation();
        this.bridge.interacted();
        this.minimize();
      },
    });
    this.prompt = h(
      "div",
      {
        class: "lc-prompt",
        role: "dialog",
        testid: "lc-prompt",
        onclick: () => {
          this.bridge.interacted();
          this.open();
        },
      },
      [this.promptText, this.promptClose],
    );
    const answer = (accepted) => this.answerCookies(accepted);
    this.floatingBanner = cookieBanner({ testid: "lc-floating-banner", className: "lc-floating-banner", onAnswer: answer });
    this.windowBanner = cookieBanner({ testid: "lc-cookie-banner", className: "lc-card", onAnswer: answer });

    this.header = buildHeader({
      t,
      inline,
      onThreads: () => this.toggleThreads(),
      onMinimize: () => {
        this.bridge.interacted();
        this.minimize();
      },
    });
    this.status = h("div", { class: "lc-status", testid: "lc-status", role: "status", hidden: true });
    this.window = h("section", { class: "lc-window", role: "dialog", testid: "lc-window" }, [
      this.header.element,
      this.buildTabs(),
      this.status,
      (this.chatPanel = this.buildChatPanel()),
      (this.help ? this.help.element : null),
    ]);
    root.appendChild(this.prompt);
    root.appendChild(this.floatingBanner.element);
    root.appendChild(this.window);
    if (!inline) root.appendChild(this.launcher);
    this.shadow.appendChild(root);
    this.host.setAttribute("data-chatflow-id", this.config.chatflow_id || "");
    this.render();
  }

  buildTabs() {
    const kb = this.config.knowledge_base || {};
    if (!kb.enabled || !kb.id) return null;
    const t = (key, values) => this.t(key, values);
    this.help = helpPanel({ kbId: kb.id, request: this.request, t });
    this.chatTab = h("button", {
      class: "lc-tab",
      type: "button",
      role: "tab",
      testid: "lc-tab-chat",
      "aria-selected": "true",
      onclick: () => this.showTab("chat"),
    });
    this.helpTab = h("button", {
      class: "lc-tab",
      type: "button",
      role: "tab",
      testid: "lc-tab-help",
      "aria-selected": "false",
      onclick: () => this.showTab("help"),
    });
    return h("div", { class: "lc-tabs", role: "tablist" }, [this.chatTab, this.helpTab]);
  }

  showTab(name) {
    if (!this.help) return;
    this.chatTab.setAttribute("aria-selected", String(name === "chat"));
    this.helpTab.setAttribute("aria-selected", String(name === "help"));
    this.chatPanel.hidden = name !== "chat";
    this.help.element.hidden = name !== "help";
    if (name === "help") this.help.shown();
  }

  buildChatPanel() {
    this.messages = h("div", { class: "lc-messages", testid: "lc-messages", role: "log", "aria-live": "polite" });
    this.welcome = null;
    this.typing = h("div", { class: "lc-typing", testid: "lc-typing", hidden: true });
    this.consent = consentCard({
      onAgree: () => this.agree(),
      onCommunication: (checked) => this.giveConsent({ communication: checked }),
    });
    this.email = emailCard({ onSubmit: (address) => this.submitEmail(address) });
    this.ending = closedCard({ onRate: (rating, comment) => this.rate(rating, comment) });
    this.threads = threadList({
      onSelect: (conversation) => this.selectThread(conversation),
      onNew: () => this.startOver(),
    });
    this.scroller = h("div", { class: "lc-scroll", testid: "lc-scroll" }, [
      this.windowBanner.element,
      this.consent.element,
      this.messages,
      this.typing,
      ...this.email.elements,
      ...this.ending.elements,
    ]);

    this.input = h("textarea", {
      testid: "lc-input",
      rows: "1",
      maxlength: "5000",
      oninput: () => this.visitorTyping(),
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendMessage();
        }
      },
    });
    this.sendButton = h("button", { class: "lc-button", type: "button", testid: "lc-send", onclick: () => this.sendMessage() });
    this.sendHint = h("div", { class: "lc-error", testid: "lc-send-hint", role: "alert", hidden: true });
    this.composer = h("div", { class: "lc-composer" }, [this.input, this.sendButton]);
    this.newConversation = h("button", {
      class: "lc-button lc-wide",
      type: "button",
      testid: "lc-new-conversation",
      hidden: true,
      onclick: () => this.startOver(),
    });
    this.footer = h("div", { class: "lc-footer", testid: "lc-footer" }, [this.sendHint, this.composer, this.newConversation]);
    return h("div", { class: "lc-panel", testid: "lc-chat-panel" }, [this.threads.element, this.scroller, this.footer]);
  }

  /** Put a conversation (or, with null, a new one) on screen with its own presentation. */
  show(conversation) {
    this.conversation = conversation;
    this.seqs.clear();
    this.rendered.clear();
    this.messages.textContent = "";
    this.readSent = 0;
    this.welcome = messageElement({ sender_kind: "welcome", text: "" });
    this.messages.appendChild(this.welcome);
    if (conversation) this.host.setAttribute("data-conversation-id", conversation.id);
    else this.host.removeAttribute("data-conversation-id");
    this.emailAsked = Boolean(conversation && (conversation.email_known || conversation.status === "closed"));
    this.email.hide();
    this.ending.hide();
    this.surveyShown = null;
    this.hideTyping();
    this.refresh();
  }

  /** Show the current decisions: presentation, consent, the footer, the closed state. */
  refresh() {
    const p = this.presentation;
    this.translate = translator(p.texts);
    const t = (key, values) => this.t(key, values);
    this.root.setAttribute("lang", p.language === "nb" ? "nb" : "en");
    const colour = safeColour(p.accent_color);
    if (colour) this.root.style.setProperty("--lc-accent", colour);
    this.header.show(p.header, t);
    const welcome = p.welcome || {};
    const sender = welcome.sender ? { name: welcome.sender.name } : null;
    const fresh = messageElement({ sender_kind: "welcome", text: welcome.text || "", sender });
    this.welcome.replaceWith(fresh);
    this.welcome = fresh;
    this.launcher.setAttribute("aria-label", t("widget.open_chat"));
    this.promptClose.setAttribute("aria-label", t("widget.close_prompt"));
    this.promptText.textContent = (this.config.display || {}).prompt_text || "";
    this.window.setAttribute("aria-label", t("widget.chat"));
    this.status.textContent = t("widget.reconnecting");
    if (this.chatTab) {
      this.chatTab.textContent = t("widget.chat");
      this.helpTab.textContent = t("widget.help");
    }
    this.input.setAttribute("placeholder", t("widget.placeholder"));
    this.input.setAttribute("aria-label", t("widget.placeholder"));
    this.sendButton.textContent = t("widget.send");
    this.newConversation.textContent = t("widget.new_conversation");
    const view = consentView({
      notice: p.consent,
      send: this.send,
      given: (this.config.consent || {}).given,
      started: Boolean(this.conversation),
    });
    this.consent.show(view, t);
    this.sendButton.disabled = view.sendBlocked;
    this.sendButton.setAttribute("aria-disabled", String(view.sendBlocked));
    if (!view.sendBlocked) this.sendHint.hidden = true;
    else if (!this.sendHint.hidden) this.sendHint.textContent = view.hint;
    const closed = this.closed;
    // hideNewThreadLink: no "new conversation" link; the composer stays after a close and
    // the next message starts the new conversation.
    const noLink = Boolean(this.settings.hideNewThreadLink);
    this.composer.hidden = closed && !noLink;
    this.newConversation.hidden = !closed || noLink;
    if (closed) {
      this.sendHint.hidden = true;
      this.email.hide();
      this.hideTyping();
      this.ending.show(t("widget.conversation_closed"));
      const survey = this.conversation.survey;
      if (survey && !this.conversation.survey_answered && this.surveyShown !== this.conversation.id) {
        this.surveyShown = this.conversation.id;
        this.ending.survey(survey.question, t);
      }
    } else {
      this.ending.hide();
      this.surveyShown = null;
    }
  }

  // ------------------------------------------------------------------ modes

  setMode(mode) {
    let next = MODES.includes(mode) ? mode : "hidden";
    if (this.bridge.inline) next = "open";
    const was = this.mode;
    this.mode = next;
    this.host.setAttribute("data-mode", next);
    this.render();
    if (next === "open" && was !== "open") this.opened();
    if (was === "hidden" && next !== "hidden") this.bannerAt("widget_load");
  }

  render() {
    const mode = this.mode;
    const mobileOpen = mode === "open" && this.root.classList.contains("lc-mobile");
    // The full-screen chat on a phone covers the page: no launcher over its controls.
    this.launcher.hidden = mode === "hidden" || mobileOpen;
    this.prompt.hidden = mode !== "prompt" || !this.promptText.textContent;
    this.window.hidden = mode !== "open";
    this.launcher.setAttribute("aria-expanded", String(mode === "open"));
    if (mode === "open" || mode === "hidden") this.floatingBanner.hide();
  }

  isOpen() {
    return this.mode === "open";
  }

  /** The visitor is in a chat: an open conversation on screen, or messages waiting. */
  engaged() {
    return Boolean(this.conversation && !this.closed) || this.outbox.all().length > 0;
  }

  /** The visitor (or the SDK) opens the chat: remembered for 30 minutes. */
  open() {
    if (this.mode === "open") return;
    this.setMode("open");
    this.bridge.action("open");
  }

  /** The SDK closes the chat window; the launcher stays. */
  close() {
    if (this.mode !== "open" || this.bridge.inline) return;
    this.setMode("launcher");
    this.bridge.action("close");
    this.bridge.emit("widgetClosed", sdkEvent.widgetClosed("closed"));
  }

  /** The visitor minimizes or dismisses: minimized everywhere for 24 hours (DS4). */
  minimize() {
    if (this.bridge.inline) return;
    this.setMode("launcher");
    this.bridge.action("minimize");
    this.bridge.emit("widgetClosed", sdkEvent.widgetClosed("minimized"));
  }

  opened() {
    this.sendReadReceipt();
    if (this.settings.disableInitialInputFocus) return;
    this.timers.focus = setTimeout(() => {
      try {
        if (!this.composer.hidden) this.input.focus({ preventScroll: true });
      } catch (error) {
        /* not focusable now */
      }
    }, 0);
  }

  exitIntent() {
    this.bannerAt("exit_intent");
  }

  destroy() {
    this.destroyed = true;
    Object.values(this.timers).forEach((timer) => clearTimeout(timer));
    if (this.help) this.help.stop();
    this.socket.stop();
  }

  // ------------------------------------------------------------------ cookie banner (OP3)

  /** Show the banner if the server named this moment for it. */
  bannerAt(moment) {
    const consent = this.config.consent || {};
    if (!bannerDue(consent.banner_at, moment, this.bannerAnswered)) return;
    const card = this.mode === "open" ? this.windowBanner : this.floatingBanner;
    card.show(consent.cookie_text || "", (key, values) => this.t(key, values));
  }

  answerCookies(accepted) {
    this.bannerAnswered = true;
    this.windowBanner.hide();
    this.floatingBanner.hide();
    this.bridge.interacted();
    const mine = ++this.asked;
    this.bridge.consentCookies(accepted).then((config) => {
      if (config && mine === this.asked) this.takeConfig(config);
    });
    if (this.conversation && !this.closed) this.giveConsent({ cookies: accepted });
  }

  // ------------------------------------------------------------------ consent (OP4, OP5)

  agree() {
    this.bridge.interacted();
    this.consent.busy();
    this.giveConsent({ data_processing: true }).catch((error) => {
      this.consent.failed(refusalText((key, values) => this.t(key, values), error));
    });
  }

  /** Tell the server the visitor's answers; it answers with the decisions that follow. */
  giveConsent(answers) {
    const mine = ++this.asked;
    if (this.conversation && !this.closed) {
      const id = this.conversation.id;
      return this.request("POST", `/conversations/${encodeURIComponent(id)}/consent`, answers).then((saved) => {
        if (!this.conversation || this.conversation.id !== id || mine !== this.asked) return;
        this.conversation = { ...this.conversation, send: saved.send };
        this.refresh();
      });
    }
    const body = { chatflow_id: this.config.chatflow_id, ...answers };
    return this.request("POST", "/consent", body).then((saved) => {
      if (mine !== this.asked) return;
      this.config = {
        ...this.config,
        send: saved.send,
        consent: { ...(this.config.consent || {}), given: saved.given },
      };
      this.refresh();
    });
  }

  /** A fresh answer from the server for this page (after a refusal, or for a new
   * conversation): its decisions replace the ones on screen. */
  takeConfig(config) {
    this.config = { ...config, conversation: null };
    this.refresh();
  }

  refreshPage() {
    const mine = ++this.asked;
    return this.bridge.refreshConfig().then((config) => {
      if (config && !this.destroyed && mine === this.asked) this.takeConfig(config);
    });
  }

  // ------------------------------------------------------------------ the conversation

  /** Where to open the socket: with a single-use ticket asked for first, so the visitor
   * token never goes into a URL. */
  socketUrl() {
    const base = this.bridge.origin.replace(/^http/i, "ws");
    const account = encodeURIComponent(this.bridge.accountId);
    return this.request("POST", "/socket-ticket").then(
      (pass) => `${base}/ws/visitor?account_id=${account}&ticket=${encodeURIComponent(pass.ticket)}`
    );
  }

  conversationPath(rest = "") {
    return `/conversations/${encodeURIComponent(this.conversation.id)}${rest}`;
  }

  /** Messages after the last sequence on screen (the whole history the first time). */
  loadMessages() {
    if (!this.conversation) return Promise.resolve();
    const id = this.conversation.id;
    return this.request("GET", this.conversationPath(`/messages?after=${this.seqs.last}`)).then(
      (messages) => {
        if (this.conversation && this.conversation.id === id) {
          (messages || []).forEach((message) => this.addMessage(message, true));
        }
      },
      (error) => console.warn("livechat: history", error),
    );
  }

  /** The conversation's view again (after it was assigned, closed or reopened, or after
   * a refusal): its header, its decisions. */
  refreshConversation() {
    if (!this.conversation) return Promise.resolve();
    const id = this.conversation.id;
    return this.request("GET", this.conversationPath()).then(
      (view) => {
        if (this.conversation && this.conversation.id === id) this.adopt(view);
      },
      (error) => console.warn("livechat: conversation", error),
    );
  }

  adopt(view) {
    const wasOpen = this.conversation && this.conversation.status !== "closed";
    this.conversation = view;
    this.host.setAttribute("data-conversation-id", view.id);
    if (view.email_known) this.emailAsked = true;
    this.refresh();
    if (view.status === "closed" && wasOpen && !this.closedSeen.has(view.id)) {
      this.closedSeen.add(view.id);
      this.scrollDown(); // the close and the survey come into view
      this.bridge.emit("conversationClosed", sdkEvent.conversationClosed(view.id));
    }
  }

  onConnected() {
    this.host.setAttribute("data-connected", "true");
    this.status.hidden = true;
    this.inFlight.clear();
    this.startRef = null;
    if (this.conversation && !this.closed) {
      this.socket.send({ type: "resume", conversation_id: this.conversation.id, after_sequence: this.seqs.last });
    }
    this.deliver();
  }

  onDown() {
    this.host.setAttribute("data-connected", "false");
    if (this.conversation || this.outbox.all().length) this.status.hidden = false;
  }

  onFrame(frame) {
    const id = frame.conversation_id || (frame.conversation && frame.conversation.id) || null;
    const mine = Boolean(this.conversation && id === this.conversation.id);
    switch (frame.type) {
      case "started":
        this.onStarted(frame);
        break;
      case "ack":
        if (frame.message) this.addMessage(frame.message, false);
        break;
      case "message":
        if (mine && frame.message) this.addMessage(frame.message, false);
        else if (id && frame.message && frame.message.sender_kind === "agent") {
          this.countUnread(id, 1); // a reply in another of the visitor's conversations
        }
        break;
      case "resumed":
        if (mine && frame.conversation) this.adopt(frame.conversation);
        this.sendReadReceipt();
        break;
      case "typing":
        if (mine && frame.sender_kind === "agent") this.showTyping(frame);
        break;
      case "read":
        if (mine && frame.reader === "agent") this.markRead(frame.up_to_sequence);
        break;
      case "assigned":
      case "closed":
      case "reopened":
        if (mine) this.refreshConversation();
        break;
      case "error":
        this.onError(frame);
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ sending

  sendMessage() {
    const text = this.input.value.trim();
    if (!text || this.input.readOnly) return;
    if (this.closed) {
      // Only reachable with hideNewThreadLink (else the composer is hidden after a close).
      this.startOver().then(() => this.sendMessage());
      return;
    }
    this.bridge.interacted();
    const view = consentView({ notice: this.presentation.consent, send: this.send, given: null, started: true });
    if (view.sendBlocked) {
      this.sendHint.textContent = view.hint;
      this.sendHint.hidden = false;
      return;
    }
    this.input.value = "";
    this.stopTyping();
    const item = this.outbox.add(text, this.conversation ? this.conversation.id : null);
    this.restoreBubble(item);
    this.scrollDown();
    this.deliver();
    this.maybeAskEmail();
  }

  /** A bubble for a message of the outbox (written now, or before a reload). */
  restoreBubble(item) {
    const element = messageElement({ sender_kind: "visitor", text: item.text, client_id: item.clientId });
    this.bubbles.set(item.clientId, element);
    this.messages.appendChild(element);
    if (item.state === "failed") this.showFailure(item.clientId, item.error);
    else markSending(element);
  }

  /** Send what waits, if the line is up: a start for the first message without a
   * conversation, message frames for the rest (each once per connection). */
  deliver() {
    if (!this.socket.connected) {
      this.socket.connect();
      return;
    }
    for (const item of this.outbox.sending()) {
      if (this.inFlight.has(item.clientId)) continue;
      if (item.conversationId === null) {
        if (!this.startRef) this.startWith(item);
      } else if (this.conversation && item.conversationId === this.conversation.id) {
        this.inFlight.add(item.clientId);
        this.socket.send({
          type: "message",
          ref: item.clientId,
          conversation_id: item.conversationId,
          client_id: item.clientId,
          text: item.text,
        });
      }
    }
  }

  /** Start the conversation with its first message. A resend of the same start (same
   * client id) gets the conversation it already made. */
  startWith(item) {
    const ref = `start-${item.clientId}`;
    const sent = this.socket.send({
      type: "start",
      ref,
      chatflow_id: this.config.chatflow_id,
      page_url: location.href.slice(0, 2000),
      properties: this.bridge.chatProperties ? this.bridge.chatProperties() : {},
      consent: {},
      message: { client_id: item.clientId, text: item.text },
    });
    if (sent) {
      this.startRef = ref;
      this.inFlight.add(item.clientId);
    }
  }

  onStarted(frame) {
    if (!frame.conversation) return;
    const fresh = !this.conversation || this.conversation.id !== frame.conversation.id;
    this.startRef = null;
    this.outbox.started(frame.conversation.id);
    this.adopt(frame.conversation);
    if (fresh) {
      // HubSpot fires userSelectedThread for a thread created as well as one picked.
      this.bridge.emit("conversationStarted", sdkEvent.conversationStarted(frame.conversation.id));
      this.bridge.emit("userSelectedThread", sdkEvent.userSelectedThread(frame.conversation.id));
    }
    this.deliver();
  }

  onError(frame) {
    const error = { code: frame.code, message: frame.message };
    if (frame.ref && frame.ref === this.startRef) {
      this.startRef = null;
      this.outbox.sending().filter((item) => item.conversationId === null).forEach((item) => this.fail(item.clientId, error));
      if (error.code === "consent_required") this.refreshPage();
      return;
    }
    if (frame.ref && this.outbox.get(frame.ref)) {
      this.fail(frame.ref, error);
      if (error.code === "consent_required" || error.code === "conversation_closed") this.refreshConversation();
      return;
    }
    console.warn("livechat:", frame.code, frame.message);
  }

  fail(clientId, error) {
    this.outbox.failed(clientId, error);
    this.inFlight.delete(clientId);
    this.showFailure(clientId, error);
  }

  showFailure(clientId, error) {
    const element = this.bubbles.get(clientId);
    if (!element) return;
    const t = (key, values) => this.t(key, values);
    markFailed(element, refusalText(t, error), t("widget.retry"), () => this.retry(clientId));
  }

  /** The visitor sends a refused message again, with its client id. Refused because the
   * conversation ended: it starts the next one. */
  retry(clientId) {
    this.bridge.interacted();
    if (this.closed) {
      this.startOver();
      return;
    }
    const view = consentView({ notice: this.presentation.consent, send: this.send, given: null, started: true });
    if (view.sendBlocked) {
      this.sendHint.textContent = view.hint;
      this.sendHint.hidden = false;
      return;
    }
    if (!this.outbox.retry(clientId)) return;
    const element = this.bubbles.get(clientId);
    if (element) markSending(element);
    this.deliver();
  }

  /** After a close: a new, empty conversation on this page's chatflow, with the decisions
   * the server makes for it now (the consent it remembers) — the composer waits for them.
   * Messages still waiting go into it. */
  startOver() {
    this.bridge.interacted();
    this.threads.hide();
    this.scroller.hidden = false;
    this.footer.hidden = false;
    const waiting = this.outbox.all();
    this.outbox.retarget(null);
    this.show(null);
    this.bubbles.clear();
    waiting.forEach((item) => {
      this.outbox.retry(item.clientId);
      this.restoreBubble({ ...item, state: "sending" });
    });
    this.input.readOnly = true;
    this.sendButton.disabled = true;
    return this.refreshPage().then(() => {
      this.input.readOnly = false;
      this.refresh();
      if (waiting.length) this.deliver();
      if (!this.settings.disableInitialInputFocus) this.input.focus({ preventScroll: true });
    });
  }

  // ------------------------------------------------------------------ the thread

  /** Show a stored message once, in sequence order; the visitor's replaces its bubble. */
  addMessage(message, fromHistory) {
    if (!message || typeof message.sequence !== "number") return;
    if (!this.conversation || message.conversation_id !== this.conversation.id) return;
    const seq = message.sequence;
    const bubble = message.sender_kind === "visitor" ? this.bubbles.get(message.client_id) : null;
    if (bubble) {
      this.bubbles.delete(message.client_id);
      this.outbox.acknowledged(message.client_id);
      this.inFlight.delete(message.client_id);
    }
    if (this.seqs.has(seq)) {
      if (bubble && bubble !== this.rendered.get(seq)) bubble.remove();
      return;
    }
    const before = this.seqs.add(seq);
    const element = bubble || messageElement(message);
    if (bubble) markStored(element, seq);
    this.rendered.set(seq, element);
    const next = before === null ? this.messages.querySelector("[data-state]") : this.rendered.get(before);
    this.messages.insertBefore(element, next || null);
    if (message.sender_kind === "agent") {
      this.hideTyping();
      if (this.threadVisible()) this.sendReadReceipt();
      else if (!fromHistory && !message.read_at) this.countUnread(this.conversation.id, 1);
    }
    updateReceipt(this.messages, this.t("widget.read"));
    this.scrollDown();
  }

  threadVisible() {
    return this.mode === "open" && this.threads.element.hidden && !this.chatPanel.hidden;
  }

  scrollDown() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  // ------------------------------------------------------------------ typing, read, unread

  visitorTyping() {
    if (!this.conversation) {
      this.bannerAt("before_chat"); // the visitor starts writing their first message
      return;
    }
    if (this.closed) return;
    const now = Date.now();
    if (!this.typingSentAt || now - this.typingSentAt > TYPING_EVERY_MS) {
      this.typingSentAt = now;
      this.socket.send({ type: "typing", conversation_id: this.conversation.id, typing: true });
    }
    clearTimeout(this.timers.typingStop);
    this.timers.typingStop = setTimeout(() => this.stopTyping(), TYPING_STOPS_MS);
  }

  stopTyping() {
    clearTimeout(this.timers.typingStop);
    if (this.typingSentAt && this.conversation) {
      this.socket.send({ type: "typing", conversation_id: this.conversation.id, typing: false });
    }
    this.typingSentAt = 0;
  }

  showTyping(frame) {
    if (!frame.typing) {
      this.hideTyping();
      return;
    }
    const name = (frame.sender && frame.sender.name) || "";
    this.typing.textContent = this.t("widget.typing", { name });
    this.typing.hidden = false;
    clearTimeout(this.timers.typing);
    this.timers.typing = setTimeout(() => this.hideTyping(), TYPING_SHOWN_MS);
  }

  hideTyping() {
    clearTimeout(this.timers.typing);
    this.typing.hidden = true;
  }

  sendReadReceipt() {
    if (!this.conversation || !this.threadVisible()) return;
    this.setUnread(this.conversation.id, 0);
    const last = this.seqs.last;
    if (!last || this.readSent >= last) return;
    const id = this.conversation.id;
    const sent = this.socket.send({ type: "read", conversation_id: id, up_to_sequence: last });
    if (sent) this.readSent = last;
    else if (this.closed) {
      this.request("POST", this.conversationPath("/read"), { up_to_sequence: last }).catch(() => {});
      this.readSent = last;
    }
  }

  markRead(upTo) {
    this.rendered.forEach((element, seq) => {
      if (seq <= upTo && element.getAttribute("data-sender") === "visitor") element.setAttribute("data-read", "true");
    });
    updateReceipt(this.messages, this.t("widget.read"));
  }

  /** The unread replies per conversation, from the server, for the badge and the SDK. */
  loadUnread() {
    (this.config.unread || []).forEach((item) => this.setUnread(item.conversation_id, item.unread));
  }

  countUnread(conversationId, more) {
    this.setUnread(conversationId, this.unread.get(conversationId) + more);
  }

  setUnread(conversationId, count) {
    if (this.conversation && conversationId === this.conversation.id && count > 0 && this.threadVisible()) {
      count = 0; // on screen: read
    }
    const { messages, conversations, changed } = this.unread.set(conversationId, count);
    this.unreadBadge.textContent = String(messages);
    this.unreadBadge.hidden = messages === 0;
    if (changed) this.bridge.emit("unreadConversationCountChanged", sdkEvent.unreadConversationCountChanged(conversations));
  }

  // ------------------------------------------------------------------ the visitor's conversations

  toggleThreads() {
    this.bridge.interacted();
    if (!this.threads.element.hidden) {
      this.closeThreads();
      return;
    }
    this.showTab("chat");
    this.request("GET", "/conversations?limit=50").then(
      (views) => {
        (views || []).forEach((view) => this.setUnread(view.id, view.unread || 0));
        this.scroller.hidden = true;
        this.footer.hidden = true;
        this.threads.show(views || [], {
          t: (key, values) => this.t(key, values),
          language: this.presentation.language,
          current: this.conversation ? this.conversation.id : null,
          allowNew: !this.settings.hideNewThreadLink,
        });
      },
      (error) => console.warn("livechat: conversations", error),
    );
  }

  closeThreads() {
    this.threads.hide();
    this.scroller.hidden = false;
    this.footer.hidden = false;
    this.sendReadReceipt();
  }

  /** The visitor picks one of their conversations. */
  selectThread(view) {
    this.bridge.emit("userSelectedThread", sdkEvent.userSelectedThread(view.id));
    if (this.conversation && this.conversation.id === view.id) {
      this.closeThreads();
      return;
    }
    this.outbox.retarget(view.status === "closed" ? null : view.id);
    this.bubbles.clear();
    this.show(view);
    this.outbox.all().forEach((item) => this.restoreBubble(item));
    this.closeThreads();
    this.loadMessages().then(() => {
      if (view.status !== "closed") {
        if (this.socket.connected) this.onConnected();
        else this.socket.connect();
      }
      this.sendReadReceipt();
    });
  }

  // ------------------------------------------------------------------ email (BD2) and survey (OP7)

  maybeAskEmail() {
    const capture = this.config.email_capture || {};
    if (!capture.ask || this.emailAsked) return;
    this.emailAsked = true;
    this.email.ask(capture.text || this.t("email_capture.default"), (key, values) => this.t(key, values));
  }

  /** The address goes to the conversation once it exists (the first message may still be
   * on its way). */
  submitEmail(address) {
    const attempt = (left) => {
      if (!this.conversation) {
        if (left <= 0) return Promise.reject(new Error(this.t("widget.not_sent")));
        return new Promise((resolve) => {
          this.timers.email = setTimeout(resolve, 400);
        }).then(() => attempt(left - 1));
      }
      return this.request("POST", this.conversationPath("/email"), { email: address });
    };
    return attempt(15).then(() => {
      if (this.conversation) this.conversation = { ...this.conversation, email_known: true };
      this.bridge.emit("contactAssociated", sdkEvent.contactAssociated());
    });
  }

  rate(rating, comment) {
    const id = this.conversation.id;
    return this.request("POST", `/conversations/${encodeURIComponent(id)}/csat`, { rating, comment }).then(() => {
      if (this.conversation && this.conversation.id === id) {
        this.conversation = { ...this.conversation, survey_answered: true };
      }
    });
  }
}
