/**
 * Small DOM helpers. Everything visitors, agents and settings wrote is put in the page with
 * textContent, never as HTML; links and images accept only http(s) URLs and paths.
 */

const SVG = "http://www.w3.org/2000/svg";
const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** Make an element: props may hold class, text, testid, on* handlers and attributes
 * (false, null and undefined leave an attribute out; true sets it empty). */
export function h(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "testid") node.setAttribute("data-testid", value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** An icon from one SVG path; ``stroke`` draws the path as a line instead of filling it. */
export function icon(path, stroke = false) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const line = document.createElementNS(SVG, "path");
  line.setAttribute("d", path);
  if (stroke) {
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "2.2");
    line.setAttribute("fill", "none");
  }
  svg.appendChild(line);
  return svg;
}

export const ICONS = {
  chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  close: "M6 6l12 12M18 6L6 18",
  back: "M15 5l-7 7 7 7",
  list: "M4 6h16M4 12h16M4 18h10",
};

/** A URL that is safe to put in href or src: http(s) or a same-site path; else null. */
export function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  if (/^https?:\/\//i.test(url) || (url.charAt(0) === "/" && url.charAt(1) !== "/")) return url;
  return null;
}

/** A colour "#rrggbb", or null. */
export function safeColour(value) {
  return COLOUR.test(value || "") ? value : null;
}

export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/).slice(0, 2);
  return words.map((word) => word.charAt(0).toUpperCase()).join("") || "?";
}

/** An avatar: the picture when there is a safe URL, else the initials. */
export function avatar(person) {
  const url = safeUrl(person && person.avatar_url);
  return url
    ? h("img", { class: "lc-avatar", src: url, alt: "" })
    : h("span", { class: "lc-avatar", "aria-hidden": "true", text: initials(person && person.name) });
}
