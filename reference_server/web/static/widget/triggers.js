/**
 * Display triggers (DS2) measured on the host page: time on page, scroll percentage and
 * exit intent. Which triggers to watch, and whether any is worth watching, is the server's
 * decision (the config's ``display``: its mode changes only when ``mode_when_triggered``
 * differs); ``fires`` holds the one comparison a measurement needs, checked against the
 * domain's ``trigger_fires`` by a conformance test.
 */

/** Does a measurement fire one of ``triggers``? ``event`` is {kind, value}: "exit_intent",
 * "time_on_page" (seconds since the page started) or "scroll" (percent scrolled). */
export function fires(triggers, event) {
  const t = triggers || {};
  if (event.kind === "exit_intent") return t.exit_intent === true;
  if (event.kind === "time_on_page") {
    return typeof t.time_on_page_seconds === "number" && event.value >= t.time_on_page_seconds;
  }
  if (event.kind === "scroll") {
    return typeof t.scroll_percentage === "number" && event.value >= t.scroll_percentage;
  }
  return false;
}

/** The triggers worth watching for this page view: none when firing changes nothing. */
export function watched(display) {
  const d = display || {};
  return d.mode_when_triggered !== d.mode ? d.triggers || null : null;
}

/** The percentage of the page scrolled (a page that does not scroll counts as 100 %). */
export function scrolledPercent(win = window) {
  const doc = win.document.documentElement;
  const body = win.document.body;
  const height = Math.max(doc.scrollHeight, body ? body.scrollHeight : 0);
  const room = height - win.innerHeight;
  if (room <= 0) return 100;
  const top = win.pageYOffset || doc.scrollTop || 0;
  return Math.min(100, (top / room) * 100);
}

/**
 * Watch the page: ``fire(kind)`` at most once when a watched trigger fires, and
 * ``onExitIntent()`` on every exit intent (the cookie banner's moment). ``startedAt`` is
 * when time on page started counting (ms, Date.now()). Returns a function that stops it all.
 */
export function armTriggers({ triggers, fire, onExitIntent = null, startedAt, win = window }) {
  const undo = [];
  let done = false;
  const once = (kind, value) => {
    if (done || !fires(triggers, { kind, value })) return;
    done = true;
    fire(kind);
  };
  const listen = (target, type, handler, options) => {
    target.addEventListener(type, handler, options);
    undo.push(() => target.removeEventListener(type, handler, options));
  };
  if ((triggers && triggers.exit_intent) || onExitIntent) {
    listen(win.document, "mouseout", (event) => {
      // The pointer leaves the window through its top edge.
      if (event.relatedTarget || event.toElement || event.clientY > 0) return;
      if (onExitIntent) onExitIntent();
      once("exit_intent", 0);
    });
  }
  if (triggers && typeof triggers.time_on_page_seconds === "number") {
    const wait = triggers.time_on_page_seconds * 1000 - (Date.now() - startedAt);
    const timer = win.setTimeout(() => once("time_on_page", (Date.now() - startedAt) / 1000), Math.max(0, wait));
    undo.push(() => win.clearTimeout(timer));
  }
  if (triggers && typeof triggers.scroll_percentage === "number") {
    const check = () => once("scroll", scrolledPercent(win));
    listen(win, "scroll", check, { passive: true });
    listen(win, "resize", check, { passive: true });
    const first = win.setTimeout(check, 0);
    undo.push(() => win.clearTimeout(first));
  }
  return () => {
    undo.splice(0).forEach((stop) => stop());
  };
}
