/*
 * Live chat lab — the loader (tracking code) and the JavaScript SDK (CV6).
 *
 * Served at /embed/{account_id}.js with the account id and the server's origin written in.
 * It runs on the host page itself, so that:
 *   - the widget's cookies (messagesUtk, hs-messages-hide-welcome-message,
 *     hs-messages-is-open) are read and written on the page's own domain;
 *   - the display triggers (exit intent, time on page, scroll percentage, DS2) are measured
 *     on the page itself;
 *   - the widget is mounted in a shadow-DOM root (styles isolated both ways, no iframe and
 *     no postMessage protocol).
 *
 * It asks the server what applies to this page (POST /widget/v1/{account}/config), applies
 * the cookie instructions of the answer, imports the widget's ES modules from the chat
 * server (/static/widget/main.js, absolute URLs: it works from any site) and mounts it in a
 * container with HubSpot's ids, so a site's CSS written for HubSpot applies. The SDK —
 * window.HubSpotConversations, also window.LiveChat — follows HubSpot's Conversations SDK:
 * widget.load/open/close/remove/refresh/status, clear, on/off, debug,
 * window.hsConversationsSettings and window.hsConversationsOnReady (docs/widget.md has the
 * whole compatibility table).
 *
 * No build step. This file stays a classic script (sites paste it as one); the widget is
 * native ES modules.
 */
(function (BOOT) {
  "use strict";

  if (window.__livechatLoader) return; // the tracking code pasted twice
  window.__livechatLoader = true;

  var ACCOUNT = BOOT.accountId;
  // The origin the browser fetched this script from is one it can reach; the origin the
  // server wrote in is the fallback (a script run without document.currentScript).
  var ORIGIN = originOfThisScript() || BOOT.origin;
  var API = ORIGIN + "/widget/v1/" + encodeURIComponent(ACCOUNT);
  var COOKIES = ["messagesUtk", "hs-messages-hide-welcome-message", "hs-messages-is-open"];
  var KEY_TOKEN = "livechat:" + ACCOUNT + ":visitor-token";
  var KEY_CONSENT = "livechat:" + ACCOUNT + ":consent-cookies";
  var KEY_DEBUG = "livechat:debug";
  var FLOATING_ID = "hubspot-messages-iframe-container";
  var INLINE_PARENT_ID = "hubspot-conversations-inline-parent";
  var INLINE_ID = "hubspot-conversations-inline-iframe";
  var BANNER_SETTINGS = [true, false, "ON_WIDGET_LOAD", "ON_EXIT_INTENT"];

  var handlers = {};
  var state = {
    loaded: false,
    loading: null, // the Promise of a load under way
    openWhenLoaded: false, // widget.open() came while it was loading
    widget: null, // the mounted widget
    host: null, // the element holding the shadow root
    container: null, // what the loader added to the page (the host, or the inline parent)
    config: null,
    disarm: null, // removes the trigger listeners
    pageStart: Date.now(), // time on page counts from here (and from each refresh)
    interacted: false,
    debug: session(KEY_DEBUG) === "true"
  };

  function originOfThisScript() {
    var script = document.currentScript;
    if (!script || !script.src) return null;
    try { return new URL(script.src).origin; } catch (e) { return null; }
  }

  function settings() {
    var s = window.hsConversationsSettings;
    return s && typeof s === "object" ? s : {};
  }

  /** RT3: the routing properties this page declares (hsConversationsSettings.chatProperties,
   * this widget's own setting), as text; the server checks their limits and routes with them. */
  function chatProperties() {
    var given = settings().chatProperties;
    var out = {};
    if (!given || typeof given !== "object") return out;
    Object.keys(given).forEach(function (name) {
      var value = given[name];
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        out[name] = String(value);
      }
    });
    return out;
  }

  function log() {
    if (!state.debug) return;
    var args = Array.prototype.slice.call(arguments);
    args.unshift("[livechat]");
    console.debug.apply(console, args);
  }

  // ------------------------------------------------------------------ storage

  function session(key, value) {
    try {
      if (value === undefined) return window.sessionStorage.getItem(key);
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (e) { /* storage refused: the widget still works for this page */ }
    return null;
  }

  function sessionStore() {
    try {
      var probe = window.sessionStorage;
      probe.getItem("livechat:probe");
      return probe;
    } catch (e) {
      return null;
    }
  }

  function readCookies() {
    var found = {};
    (document.cookie || "").split(";").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 0) return;
      var name = pair.slice(0, at).trim();
      if (COOKIES.indexOf(name) < 0) return;
      var value = pair.slice(at + 1).trim();
      try { value = decodeURIComponent(value); } catch (e) { /* keep it raw */ }
      found[name] = value;
    });
    return found;
  }

  /** Write one cookie instruction {name, value, max_age_seconds} on this page's domain. */
  function writeCookie(instruction) {
    if (!instruction || COOKIES.indexOf(instruction.name) < 0) return;
    var age = Math.max(0, Math.floor(Number(instruction.max_age_seconds) || 0));
    var parts = [
      instruction.name + "=" + encodeURIComponent(String(instruction.value || "")),
      "path=/",
      "max-age=" + age,
      "SameSite=Lax"
    ];
    if (location.protocol === "https:") parts.push("Secure");
    document.cookie = parts.join("; ");
  }

  function applyCookies(list) {
    (list || []).forEach(writeCookie);
  }

  function consentAnswer() {
    var stored = session(KEY_CONSENT);
    return stored === "true" ? true : stored === "false" ? false : null;
  }

  // ------------------------------------------------------------------ events (SDK)

  function on(name, handler) {
    if (typeof handler !== "function") return;
    (handlers[name] = handlers[name] || []).push(handler);
  }

  function off(name, handler) {
    var list = handlers[name];
    if (!list) return;
    handlers[name] = handler ? list.filter(function (h) { return h !== handler; }) : [];
  }

  function emit(name, payload) {
    log("event", name, payload);
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler(payload); } catch (error) { console.error("livechat: event handler", error); }
    });
  }

  // ------------------------------------------------------------------ the server

  function detectDevice() {
    var ua = navigator.userAgent || "";
    if (/iPad|Tablet|PlayBook|Silk|Kindle/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) {
      return "tablet";
    }
    if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(ua)) return "mobile";
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (coarse) return window.innerWidth < 768 ? "mobile" : "tablet";
    return "desktop";
  }

  function post(path, body) {
    return fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      mode: "cors"
    });
  }

  /** Ask the server what applies to this page view; null when nothing does (204). */
  function fetchConfig(consent) {
    var s = settings();
    var body = {
      url: location.href.slice(0, 2000),
      device: detectDevice(),
      cookies: readCookies(),
      consent: { cookies: consent === undefined ? consentAnswer() : consent }
    };
    var token = session(KEY_TOKEN);
    if (token) body.visitor_token = token;
    if (s.identificationEmail && s.identificationToken) {
      body.identification_email = String(s.identificationEmail);
      body.identification_token = String(s.identificationToken);
    }
    if (s.enableWidgetCookieBanner !== undefined) {
      // The server decides what the setting means (domain PageBanner).
      if (BANNER_SETTINGS.indexOf(s.enableWidgetCookieBanner) >= 0) {
        body.enable_widget_cookie_banner = s.enableWidgetCookieBanner;
      } else {
        console.warn("livechat: enableWidgetCookieBanner must be true, false, " +
          "\"ON_WIDGET_LOAD\" or \"ON_EXIT_INTENT\"; ignored:", s.enableWidgetCookieBanner);
      }
    }
    var lang = document.documentElement.getAttribute("lang");
    if (lang) body.language = lang.slice(0, 35);
    var properties = chatProperties();
    if (Object.keys(properties).length) body.properties = properties;
    log("config asked", body.url);
    return post("/config", body).then(function (response) {
      if (response.status === 204) return null;
      if (!response.ok) throw new Error("config answered " + response.status);
      return response.json();
    }).then(function (config) {
      if (config) {
        applyCookies(config.cookies);
        if (config.visitor && config.visitor.token) session(KEY_TOKEN, config.visitor.token);
      }
      log("config", config);
      return config;
    });
  }

  /** The visitor minimized, opened or closed the chat: write the cookies that remember it. */
  function sendAction(action) {
    var config = state.config;
    if (!config) return Promise.resolve();
    return post("/events", { chatflow_id: config.chatflow_id, action: action })
      .then(function (response) { return response.ok ? response.json() : { cookies: [] }; })
      .then(function (answer) { applyCookies(answer.cookies); })
      .catch(function (error) { console.warn("livechat: could not record", action, error); });
  }

  // ------------------------------------------------------------------ mounting

  var widgetModule = null;
  var widgetCss = null;

  /** Fetched once, kept for later loads (a failure is tried again next time). */
  function once(get, keep) {
    var pending = get().catch(function (error) { keep(null); throw error; });
    keep(pending);
    return pending;
  }

  /** The widget's modules and, unless the page avoids inline styles (read at each load),
   * its style sheet's text. */
  function loadWidgetCode() {
    var module = widgetModule || once(function () {
      return import(ORIGIN + "/static/widget/main.js");
    }, function (p) { widgetModule = p; });
    var css = settings().avoidInlineStyles === true ? Promise.resolve("") : widgetCss || once(function () {
      return fetch(ORIGIN + "/static/widget.css", { credentials: "omit" }).then(function (r) { return r.text(); });
    }, function (p) { widgetCss = p; });
    return Promise.all([module, css]).then(function (parts) {
      return { module: parts[0], css: parts[1] };
    });
  }

  function domReady() {
    if (document.readyState !== "loading") return Promise.resolve();
    return new Promise(function (resolve) {
      document.addEventListener("DOMContentLoaded", function () { resolve(); }, { once: true });
    });
  }

  function inlineTarget() {
    var selector = settings().inlineEmbedSelector;
    if (!selector) return null;
    var found = null;
    try { found = document.querySelector(selector); } catch (e) { found = null; }
    if (!found) console.warn("livechat: inlineEmbedSelector matches nothing:", selector);
    return found;
  }

  /** The widget's host, with HubSpot's ids. Its position comes from the widget's own
   * style sheet (:host), so the page needs no inline style and a site's CSS for those ids
   * applies. */
  function makeHost(target) {
    var host = document.createElement("div");
    host.setAttribute("data-livechat", "widget");
    if (target) {
      var parent = document.createElement("div");
      parent.id = INLINE_PARENT_ID;
      // The embed fills the site's element (CSSOM, not a style attribute: CSP-friendly).
      parent.style.height = "100%";
      host.id = INLINE_ID;
      host.setAttribute("data-inline", "true");
      parent.appendChild(host);
      target.appendChild(parent);
      state.container = parent;
    } else {
      host.id = FLOATING_ID;
      (document.body || document.documentElement).appendChild(host);
      state.container = host;
    }
    return host;
  }

  function bridgeSettings() {
    var s = settings();
    return {
      avoidInlineStyles: s.avoidInlineStyles === true,
      disableInitialInputFocus: s.disableInitialInputFocus === true,
      hideNewThreadLink: s.hideNewThreadLink === true
    };
  }

  function mount(code, config, options) {
    var target = inlineTarget();
    var host = makeHost(target);
    state.host = host;
    state.interacted = false;
    var bridge = {
      origin: ORIGIN,
      accountId: ACCOUNT,
      config: config,
      inline: !!target,
      openToNewThread: !!(options && options.openToNewThread),
      settings: bridgeSettings(),
      css: code.css,
      storage: sessionStore(),
      visitorToken: function () { return session(KEY_TOKEN) || (config.visitor && config.visitor.token); },
      chatProperties: chatProperties,
      action: sendAction,
      emit: emit,
      interacted: function () {
        if (!state.interacted) {
          state.interacted = true;
          emit("userInteractedWithWidget", code.module.sdkEvent.userInteractedWithWidget());
        }
      },
      /** The cookie banner's answer (OP3): the server keeps it and answers afresh. */
      consentCookies: function (accepted) {
        session(KEY_CONSENT, accepted ? "true" : "false");
        return bridge.refreshConfig(accepted);
      },
      /** The page's config again (fresh decisions for a new conversation). */
      refreshConfig: function (accepted) {
        return fetchConfig(accepted).then(function (fresh) {
          if (fresh) state.config = fresh;
          return fresh;
        }, function (error) {
          console.warn("livechat: could not ask again", error);
          return null;
        });
      }
    };
    state.widget = code.module.mount(host, bridge);
    var display = config.display || {};
    state.widget.setMode(target ? "open" : display.mode);
    if (!target) {
      var consent = config.consent || {};
      var bannerOnExit = consent.banner_at === "exit_intent" ? function () {
        if (state.widget) state.widget.exitIntent();
      } : null;
      var triggers = code.module.watched(display);
      if (triggers || bannerOnExit) {
        state.disarm = code.module.armTriggers({
          triggers: triggers,
          startedAt: state.pageStart,
          onExitIntent: bannerOnExit,
          fire: function (kind) {
            log("trigger", kind);
            // A visitor who already opened or minimized the chat on this page is not interrupted.
            if (state.widget && !state.interacted) state.widget.setMode(display.mode_when_triggered);
          }
        });
      }
    }
  }

  function unmount() {
    if (state.disarm) { state.disarm(); state.disarm = null; }
    if (state.widget) { try { state.widget.destroy(); } catch (e) { /* already gone */ } }
    if (state.container && state.container.parentNode) state.container.parentNode.removeChild(state.container);
    state.widget = null;
    state.host = null;
    state.container = null;
    state.loaded = false;
  }

  function load(options) {
    if (state.loaded) return Promise.resolve(true);
    if (state.loading) return state.loading;
    var opts = options || {};
    if (opts.widgetOpen) state.openWhenLoaded = true;
    // refresh() has asked for the config already.
    var asked = opts.config !== undefined ? Promise.resolve(opts.config) : fetchConfig();
    state.loading = Promise.all([asked, loadWidgetCode(), domReady()]).then(function (parts) {
      var config = parts[0];
      state.config = config;
      if (!config) return false; // no chatflow applies to this page
      mount(parts[1], config, opts);
      state.loaded = true;
      emit("widgetLoaded", parts[1].module.sdkEvent.widgetLoaded());
      if (state.openWhenLoaded) state.widget.open();
      return true;
    }).catch(function (error) {
      console.warn("livechat: the widget could not load:", error);
      return false;
    }).then(function (result) {
      state.loading = null;
      state.openWhenLoaded = false;
      return result;
    });
    return state.loading;
  }

  /** The chat cookies, the tab's visitor token, its cookie answer and its unsent messages. */
  function forgetVisitor() {
    COOKIES.forEach(function (name) { writeCookie({ name: name, value: "", max_age_seconds: 0 }); });
    session(KEY_TOKEN, null);
    session(KEY_CONSENT, null);
    try { window.sessionStorage.removeItem("livechat:" + ACCOUNT + ":outbox"); } catch (e) { /* none */ }
  }

  // ------------------------------------------------------------------ the SDK (CV6)

  var api = {
    widget: {
      /** Load the widget (a no-op while it is loaded). {widgetOpen: true} opens it too. */
      load: function (options) { return load(options || {}); },
      /** Open the chat window — once it has loaded, when it is still loading. */
      open: function () {
        if (state.widget) state.widget.open();
        else if (state.loading) state.openWhenLoaded = true;
      },
      /** Close the chat window (the launcher stays). */
      close: function () {
        if (state.widget) state.widget.close();
        else state.openWhenLoaded = false;
      },
      /** Take the widget off the page; load() (or refresh()) brings it back. */
      remove: function () { if (state.loaded || state.widget) unmount(); },
      /** Ask again what applies to the current URL (single-page apps) and re-render; loads
       * the widget when it is not on the page. Where no chatflow applies the widget goes —
       * unless the visitor is in a chat (HubSpot's rule), which then stays as it is. */
      refresh: function (options) {
        var opts = options || {};
        if (state.loading) return state.loading.then(function () { return api.widget.refresh(opts); });
        var wasOpen = !!(state.widget && state.widget.isOpen());
        var engaged = !!(state.widget && state.widget.engaged());
        var again = {
          openToNewThread: !!opts.openToNewThread,
          widgetOpen: wasOpen || !!opts.openToNewThread
        };
        var fresh = state.loading = fetchConfig();
        return fresh.then(function (config) {
          state.loading = null;
          if (!config && engaged) return true;
          unmount();
          state.pageStart = Date.now();
          again.config = config;
          return load(again);
        }, function (error) {
          state.loading = null;
          console.warn("livechat: could not refresh:", error);
          return state.loaded;
        });
      },
      /** {loaded, pending}: on the page, and a load under way. */
      status: function () { return { loaded: state.loaded, pending: !!state.loading }; }
    },
    /** Forget the visitor: the chat cookies and the session's token. {resetWidget: true}
     * also removes the widget and loads a fresh one — unless the page loads it itself
     * (loadImmediately: false), which then calls widget.load(). A load under way finishes
     * first (its answer would bring the old visitor back). */
    clear: function (options) {
      var reset = !!(options && options.resetWidget);
      if (reset && state.loading) return state.loading.then(function () { return api.clear(options); });
      forgetVisitor();
      if (!reset) return Promise.resolve(true);
      unmount();
      if (settings().loadImmediately === false) return Promise.resolve(false);
      return load({});
    },
    /** HubSpot's older name for a reset, still called by integrations: forgets the visitor
     * and loads the widget again when it was on the page or loading (or loads itself). */
    resetAndReloadWidget: function () {
      if (state.loading) return state.loading.then(function () { return api.resetAndReloadWidget(); });
      var wasThere = state.loaded;
      forgetVisitor();
      unmount();
      if (!wasThere && settings().loadImmediately === false) return Promise.resolve(false);
      return load({});
    },
    /** Log what the widget does (config answers, triggers, events) to the console, for
     * this tab; debug(false) stops. */
    debug: function (enabled) {
      state.debug = enabled !== false;
      session(KEY_DEBUG, state.debug ? "true" : null);
      log("debugging on", { status: api.widget.status(), config: state.config });
    },
    /** An older top-level name for widget.refresh() that integrations still call (and
     * test for before they use the SDK). */
    refresh: function (options) { return api.widget.refresh(options); },
    on: on,
    off: off
  };

  window.HubSpotConversations = api;
  window.LiveChat = api;

  // hsConversationsOnReady: run what the page queued, and anything it pushes later.
  var queued = window.hsConversationsOnReady;
  var ready = function (fn) {
    if (typeof fn !== "function") return;
    try { fn(); } catch (error) { console.error("livechat: hsConversationsOnReady", error); }
  };
  window.hsConversationsOnReady = { push: function () { Array.prototype.forEach.call(arguments, ready); } };
  if (Array.isArray(queued)) queued.forEach(ready);

  if (settings().loadImmediately !== false) load({});
})(__LIVECHAT_BOOT__);
