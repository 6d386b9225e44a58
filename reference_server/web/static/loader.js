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
 * the cookie instructions of the answer, arms the triggers and mounts the widget
 * (/static/widget.js). The SDK — window.HubSpotConversations, also window.LiveChat — is
 * compatible with the seed product's: widget.load/open/close/remove/refresh/status, clear,
 * on/off, window.hsConversationsSettings and window.hsConversationsOnReady.
 *
 * No build step: plain modern JavaScript.
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

  var handlers = {};
  var state = {
    loaded: false,
    loading: null, // the Promise of a load under way
    widget: null, // the mounted widget (widget.js instance)
    host: null, // the element holding the shadow root
    config: null,
    disarm: null, // removes the trigger listeners
    pageStart: Date.now(), // time on page counts from here (and from each refresh)
    interacted: false
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

  // ------------------------------------------------------------------ storage

  function session(key, value) {
    try {
      if (value === undefined) return window.sessionStorage.getItem(key);
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (e) { /* storage refused: the widget still works for this page */ }
    return null;
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
    var lang = document.documentElement.getAttribute("lang");
    if (lang) body.language = lang.slice(0, 35);
    return post("/config", body).then(function (response) {
      if (response.status === 204) return null;
      if (!response.ok) throw new Error("config answered " + response.status);
      return response.json();
    }).then(function (config) {
      if (config) {
        applyCookies(config.cookies);
        if (config.visitor && config.visitor.token) session(KEY_TOKEN, config.visitor.token);
      }
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

  // ------------------------------------------------------------------ triggers (DS2)

  function scrolledPercent() {
    var doc = document.documentElement;
    var height = Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0);
    var room = height - window.innerHeight;
    if (room <= 0) return 100; // the whole page is in view
    var top = window.pageYOffset || doc.scrollTop || 0;
    return Math.min(100, (top / room) * 100);
  }

  /**
   * Arm the enabled triggers; each calls fire(kind) at most once. Exit intent: the pointer
   * leaves the window through its top edge. Time on page: seconds since the page (or the
   * last SDK refresh) started. Scroll: percentage of the scrollable height.
   * Returns a function that disarms them all.
   */
  function armTriggers(triggers, fire, onExitIntent) {
    var undo = [];
    var fired = false;
    function once(kind) {
      if (fired) return;
      fired = true;
      fire(kind);
    }
    function listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      undo.push(function () { target.removeEventListener(type, handler, options); });
    }
    var exitWanted = triggers && triggers.exit_intent;
    if (exitWanted || onExitIntent) {
      listen(document, "mouseout", function (event) {
        if (event.relatedTarget || event.toElement) return;
        if (event.clientY > 0) return;
        if (onExitIntent) onExitIntent();
        if (exitWanted) once("exit_intent");
      });
    }
    if (triggers && typeof triggers.time_on_page_seconds === "number") {
      var wait = triggers.time_on_page_seconds * 1000 - (Date.now() - state.pageStart);
      var timer = setTimeout(function () { once("time_on_page"); }, Math.max(0, wait));
      undo.push(function () { clearTimeout(timer); });
    }
    if (triggers && typeof triggers.scroll_percentage === "number") {
      var check = function () {
        if (scrolledPercent() >= triggers.scroll_percentage) once("scroll");
      };
      listen(window, "scroll", check, { passive: true });
      listen(window, "resize", check, { passive: true });
      setTimeout(check, 0);
    }
    return function () { undo.forEach(function (f) { f(); }); undo = []; };
  }

  // ------------------------------------------------------------------ mounting

  var widgetScript = null;

  function loadWidgetCode() {
    if (window.__livechatWidget) return Promise.resolve(window.__livechatWidget);
    if (widgetScript) return widgetScript;
    widgetScript = Promise.all([
      new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = ORIGIN + "/static/widget.js";
        script.async = true;
        script.onload = function () { resolve(window.__livechatWidget); };
        script.onerror = function () { widgetScript = null; reject(new Error("widget.js did not load")); };
        (document.head || document.documentElement).appendChild(script);
      }),
      fetch(ORIGIN + "/static/widget.css").then(function (r) { return r.text(); })
    ]).then(function (parts) {
      parts[0].css = parts[1];
      return parts[0];
    });
    return widgetScript;
  }

  function domReady() {
    if (document.readyState !== "loading") return Promise.resolve();
    return new Promise(function (resolve) {
      document.addEventListener("DOMContentLoaded", function () { resolve(); }, { once: true });
    });
  }

  function inlineContainer() {
    var selector = settings().inlineEmbedSelector;
    if (!selector) return null;
    var found = null;
    try { found = document.querySelector(selector); } catch (e) { found = null; }
    if (!found) console.warn("livechat: inlineEmbedSelector matches nothing:", selector);
    return found;
  }

  function makeHost(container) {
    var host = document.createElement("div");
    host.id = container ? "livechat-inline-widget" : "livechat-widget";
    host.setAttribute("data-livechat", "widget");
    if (container) {
      host.style.cssText = "display:block;width:100%;height:100%;";
      container.appendChild(host);
    } else {
      host.style.cssText = "position:fixed;z-index:2147483000;bottom:0;right:0;width:0;height:0;";
      (document.body || document.documentElement).appendChild(host);
    }
    return host;
  }

  function mount(code, config, options) {
    var container = inlineContainer();
    var host = makeHost(container);
    state.host = host;
    state.interacted = false;
    var bridge = {
      origin: ORIGIN,
      accountId: ACCOUNT,
      config: config,
      inline: !!container,
      openToNewThread: !!(options && options.openToNewThread),
      visitorToken: function () { return session(KEY_TOKEN) || (config.visitor && config.visitor.token); },
      action: sendAction,
      /** The cookie banner's answer so far: true, false or null (not asked yet). A
       * messagesUtk cookie is only ever set after a yes. */
      cookieAnswer: function () {
        var answer = consentAnswer();
        if (answer !== null) return answer;
        return readCookies().messagesUtk ? true : null;
      },
      emit: emit,
      interacted: function () {
        if (!state.interacted) {
          state.interacted = true;
          emit("userInteractedWithWidget", { message: "The visitor interacted with the widget" });
        }
      },
      /** The cookie banner's answer (OP3): ask again with it; the answer's cookies apply. */
      consentCookies: function (accepted) {
        session(KEY_CONSENT, accepted ? "true" : "false");
        return fetchConfig(accepted).then(function (fresh) {
          if (fresh) state.config = fresh;
          return fresh;
        });
      }
    };
    state.widget = code.mount(host, bridge, code.css);
    var display = config.display || {};
    var mode = container ? "open" : display.mode;
    state.widget.setMode(mode);
    if (!container) {
      var plan = config.consent || {};
      var bannerOnExit = plan.cookie_banner === "on_exit" ? function () {
        if (state.widget) state.widget.exitIntent();
      } : null;
      var needed = display.mode_when_triggered !== display.mode;
      var triggers = needed ? display.triggers : null;
      if (triggers || bannerOnExit) {
        state.disarm = armTriggers(triggers, function () {
          // A visitor who already opened or minimized the chat on this page is not interrupted.
          if (state.widget && !state.interacted) state.widget.setMode(display.mode_when_triggered);
        }, bannerOnExit);
      }
    }
  }

  function unmount() {
    if (state.disarm) { state.disarm(); state.disarm = null; }
    if (state.widget) { try { state.widget.destroy(); } catch (e) { /* already gone */ } }
    if (state.host && state.host.parentNode) state.host.parentNode.removeChild(state.host);
    state.widget = null;
    state.host = null;
    state.loaded = false;
  }

  function load(options) {
    if (state.loaded) return Promise.resolve(true);
    if (state.loading) return state.loading;
    state.loading = Promise.all([fetchConfig(), loadWidgetCode(), domReady()]).then(function (parts) {
      var config = parts[0];
      state.config = config;
      if (!config) return false; // no chatflow applies to this page
      mount(parts[1], config, options);
      state.loaded = true;
      emit("widgetLoaded", { message: "The widget has loaded" });
      if (options && options.widgetOpen) state.widget.open();
      return true;
    }).catch(function (error) {
      console.warn("livechat: the widget could not load:", error);
      return false;
    }).then(function (result) {
      state.loading = null;
      return result;
    });
    return state.loading;
  }

  // ------------------------------------------------------------------ the SDK (CV6)

  var api = {
    widget: {
      /** Load the widget (a no-op while it is loaded). {widgetOpen: true} opens it too. */
      load: function (options) { return load(options || {}); },
      /** Open the chat window. */
      open: function () { if (state.widget) state.widget.open(); },
      /** Close the chat window (the launcher stays). */
      close: function () { if (state.widget) state.widget.close(); },
      /** Take the widget off the page; load() brings it back. */
      remove: function () { if (state.loaded || state.widget) unmount(); },
      /** Ask again what applies to the current URL (single-page apps) and re-render. */
      refresh: function (options) {
        if (!state.loaded) return Promise.resolve(false);
        var wasOpen = state.widget && state.widget.isOpen();
        unmount();
        state.pageStart = Date.now();
        var opts = options || {};
        return load({ openToNewThread: !!opts.openToNewThread, widgetOpen: wasOpen || !!opts.openToNewThread });
      },
      /** {loaded: boolean} */
      status: function () { return { loaded: state.loaded }; }
    },
    /** Forget the visitor: the chat cookies and the session's token. {resetWidget: true}
     * also removes the widget and loads a fresh one. */
    clear: function (options) {
      COOKIES.forEach(function (name) { writeCookie({ name: name, value: "", max_age_seconds: 0 }); });
      session(KEY_TOKEN, null);
      session(KEY_CONSENT, null);
      if (options && options.resetWidget) {
        unmount();
        return load({});
      }
      return Promise.resolve(true);
    },
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
