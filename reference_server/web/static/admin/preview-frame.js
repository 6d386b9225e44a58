/*
 * Inside the preview frame (/admin/preview-frame): the widget mounted the way the loader
 * mounts it on a site — its public entry (/static/widget.js, which provides
 * window.__livechatWidget.mount(host, bridge, css)) with the configuration the console
 * sends — and a trigger applied the way the loader applies one that fires on a page. This
 * is the one place that knows how the widget is mounted.
 *
 * Messages from the console (same origin only): {type: "config", config} and
 * {type: "trigger", kind}. The preview never starts a conversation: it has no visitor.
 */

let code = null;
let widget = null;
let host = null;
let config = null;

function loadWidget() {
  if (code) return code;
  code = Promise.all([
    new Promise((resolve, reject) => {
      if (window.__livechatWidget) { resolve(window.__livechatWidget); return; }
      const script = document.createElement("script");
      script.src = "/static/widget.js";
      script.onload = () => resolve(window.__livechatWidget);
      script.onerror = () => reject(new Error("widget.js did not load"));
      document.head.append(script);
    }),
    fetch("/static/widget.css").then((response) => response.text()),
  ]).then(([entry, css]) => ({ entry, css }));
  return code;
}

function bridgeFor(current) {
  return {
    origin: location.origin,
    accountId: "preview",
    config: current,
    inline: false,
    openToNewThread: true, // no visitor: no history to load
    preview: true,
    visitorToken: () => null,
    action: () => Promise.resolve(),
    cookieAnswer: () => null,
    emit: () => {},
    interacted: () => {},
    consentCookies: () => Promise.resolve(current),
  };
}

function unmount() {
  if (widget) { try { widget.destroy(); } catch (e) { /* gone */ } }
  if (host) host.remove();
  widget = null;
  host = null;
}

async function show(next) {
  const { entry, css } = await loadWidget();
  unmount();
  config = next;
  host = document.createElement("div");
  host.id = "livechat-widget";
  host.className = "preview-host";
  document.body.append(host);
  widget = entry.mount(host, bridgeFor(config), css);
  widget.setMode(config.display.mode);
  document.body.dataset.mode = config.display.mode;
}

function fire(kind) {
  if (!widget || !config) return;
  const display = config.display;
  if (kind === "exit_intent" && widget.exitIntent) widget.exitIntent();
  widget.setMode(display.mode_when_triggered);
  document.body.dataset.mode = display.mode_when_triggered;
  document.body.dataset.fired = kind;
}

window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || !event.data) return;
  if (event.data.type === "config") show(event.data.config);
  if (event.data.type === "trigger") fire(event.data.kind);
});
