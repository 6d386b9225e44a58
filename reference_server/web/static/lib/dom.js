/*
 * Live chat lab — small DOM helpers shared by the server's own pages. Text from users,
 * visitors and settings always goes in with textContent, never as HTML.
 */

/** el("button", {text: "Save", class: "primary", testid: "save", onclick: fn}, [children]) */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "testid") node.setAttribute("data-testid", value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = !!value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  node.textContent = "";
  return node;
}

/** A short relative time ("now", "4 min", "2 h", "3 d") from an ISO time and now (ms). */
export function ago(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return seconds < 10 ? "now" : `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/** "mm:ss" or "h:mm:ss" for a waiting timer. */
export function clock(iso, now = Date.now()) {
  const total = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const h = Math.floor(total / 3600);
  const m = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${m}:${s}` : `${m}:${s}`;
}

/** The time of day ("14:05"), or the date and time when not today. */
export function timeOf(iso, now = new Date()) {
  if (!iso) return "";
  const when = new Date(iso);
  const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (when.toDateString() === now.toDateString()) return time;
  return when.toLocaleDateString([], { day: "numeric", month: "short" }) + " " + time;
}

/** Give each cell its column's heading (data-label), so a narrow screen can stack rows. */
export function labelCells(table) {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => { if (headings[i]) cell.setAttribute("data-label", headings[i]); });
  }
  table.classList.add("stack");
  return table;
}
