/*
 * Inside the preview frame (/admin/preview-frame): the widget mounted the way the loader
 * mounts it on a site — its public entry (/static/widget/main.js: mount(host, bridge)) with
 * the configuration the console sends — and a trigger applied the way the loader applies
 * one that fires on a page. This is the one place that knows how the widget is mounted.
 *
 * Messages from the console (same origin only): {type: "config", config, sequence} and
 * {type: "trigger", kind}; the frame says {type: "ready"} once it listens and answers
 * {type: "shown", sequence} once a configuration is on screen. The preview never starts a conversation: it has no visitor.
 */

let code = null;
let widget = null;
let host = null;
let config = null;

function loadWidget() {
  if (code) return code;
  code = Promise.all([
    import("/static/widget/main.js"),
    fetch("/static/widget.css").then((response) => response.text()),
  ]).then(([entry, css]) => ({ entry, css }));
  return code;
}

function bridgeFor(current, css) {
  return {
    origin: location.origin,
    accountId: "preview",
    config: current,
    inline: false,
    openToNewThread: true, // no visitor: no history to load
    settings: {},
    css,
    storage: null,
    preview: true,
    visitorToken: () => null,
    action: () => Promise.resolve(),
    emit: () => {},
    interacted: () => {},
    consentCookies: () => Promise.resolve(current),
    refreshConfig: () => Promise.resolve(current),
  };
}

function unmount() {
  if (widget) { try { widget.destroy(); } catch (e) { /* gone */ } }
  if (host) host.remove();
  widget = null;
  host = null;
}

async function show(next, sequence) {
  const { entry, css } = await loadWidget();
  unmount();
  config = next;
  host = document.createElement("div");
  host.id = "livechat-widget";
  host.className = "preview-host";
  document.body.append(host);
  widget = entry.mount(host, bridgeFor(config, css));
  widget.setMode(config.display.mode);
  document.body.dataset.mode = config.display.mode;
  document.body.dataset.device = config.display.device;
  document.body.dataset.state = config.availability.state;
  delete document.body.dataset.fired;
  window.parent.postMessage({ type: "shown", sequence }, location.origin);
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
  if (event.data.type === "config") show(event.data.config, event.data.sequence);
  if (event.data.type === "trigger") fire(event.data.kind);
});

window.parent.postMessage({ type: "ready" }, location.origin);
