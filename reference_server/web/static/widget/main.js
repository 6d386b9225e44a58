/**
 * The widget's public entry, loaded by the loader (the tracking code) as a native ES
 * module from the chat server's origin — and by anything else that embeds the widget the
 * way the loader does (the admin console's preview):
 *
 *   const { mount, armTriggers, watched } = await import(`${origin}/static/widget/main.js`);
 *   const widget = mount(host, bridge);   // host: an element; the widget lives in its
 *                                         // shadow root
 *   widget.setMode("launcher" | "prompt" | "open" | "hidden"); widget.open(); widget.close();
 *   widget.isOpen(); widget.engaged(); widget.exitIntent(); widget.destroy();
 *   sdkEvent.widgetLoaded() …   // HubSpot's event payloads (sdk.js)
 *
 * The bridge is the loader's side: {origin, accountId, config (the config answer), inline,
 * openToNewThread, settings ({avoidInlineStyles, disableInitialInputFocus,
 * hideNewThreadLink}), css (the style sheet's text, unless avoidInlineStyles), storage
 * (sessionStorage or null), visitorToken(), action(name), emit(event, payload),
 * interacted(), consentCookies(answer) and refreshConfig() (both resolve to a fresh config)}.
 */

import { Widget } from "./widget.js";

export { SDK_EVENTS, sdkEvent } from "./sdk.js";
export { armTriggers, fires, watched } from "./triggers.js";

/** Styles in the shadow root without inline <style>: a constructed style sheet, or with
 * avoidInlineStyles a <link> to the server's sheet (HubSpot's setting of that name). */
function attachStyles(shadow, bridge) {
  const settings = bridge.settings || {};
  if (!settings.avoidInlineStyles && "adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(bridge.css || "");
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch (error) {
      /* fall back to the link */
    }
  }
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = `${bridge.origin}/static/widget.css`;
  shadow.appendChild(link);
}

export function mount(host, bridge) {
  const shadow = host.attachShadow({ mode: "open" });
  attachStyles(shadow, bridge);
  return new Widget(host, shadow, bridge);
}
