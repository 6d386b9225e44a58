/*
 * Forms from the settings model's schemas. renderFields(ctx, schema, value, path) builds
 * one control per field of the model, each wrapped in an element whose data-path is the
 * field's full dotted path — the same path the server names in a validation error — so
 * showErrors() puts each refusal beside its field. Edits change `value` in place.
 *
 * ctx: {schemas, custom (name -> editor), readOnly, changed()}; custom editors (office
 * hours, targeting rules, people pickers, …) live in editors.js.
 */
import { el, clear } from "../lib/dom.js";
import { labelOf, pattern, valueLabel } from "./labels.js";
import { resolve, unwrap } from "./schema.js";

const LONG_TEXT = /(message|text)$/;

export function join(path, name) {
  if (typeof name === "number") return `${path}[${name}]`;
  return path ? `${path}.${name}` : name;
}

function testid(path) {
  return "field-" + pattern(path).replace(/\./g, "-");
}

/** A fresh value for a schema: its defaults, and for required fields a first choice. */
export function defaultsOf(schemas, node) {
  const { schema } = unwrap(schemas, node);
  if (node && node.default !== undefined) return structuredClone(node.default);
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.enum) return schema.enum[0];
  if (schema.type === "object" && schema.properties) {
    const value = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      value[name] = defaultsOf(schemas, property);
    }
    return value;
  }
  if (schema.type === "object") return {};
  if (schema.type === "array") return [];
  if (schema.type === "boolean") return false;
  if (schema.type === "integer" || schema.type === "number") return 0;
  return "";
}

/** The wrapper every field sits in: label, control, hint, and room for an error. */
export function field(path, control, { label, hint, inline } = {}) {
  return el("div", { class: inline ? "field inline" : "field", "data-path": path }, [
    el("label", { class: "field-label", for: control.id || null, text: label ?? labelOf(path) }),
    control,
    hint ? el("p", { class: "hint", text: hint }) : null,
  ]);
}

let counter = 0;
function uid() { counter += 1; return `f${counter}`; }

function scalarControl(ctx, schema, nullable, holder, key, path) {
  const id = uid();
  const value = holder[key];
  const disabled = ctx.readOnly;
  const set = (next) => { holder[key] = next; ctx.changed(path); };
  if (schema.enum) {
    const select = el("select", { id, testid: testid(path), disabled },
      [nullable ? el("option", { value: "", text: "—" }) : null,
        ...schema.enum.map((option) => el("option", { value: option, text: valueLabel(option) }))]);
    select.value = value ?? "";
    select.addEventListener("change", () => set(select.value === "" && nullable ? null : select.value));
    return select;
  }
  if (schema.type === "boolean") {
    const box = el("input", { id, type: "checkbox", role: "switch", testid: testid(path), checked: value, disabled });
    box.addEventListener("change", () => set(box.checked));
    return box;
  }
  if (schema.type === "integer" || schema.type === "number") {
    const input = el("input", { id, type: "number", testid: testid(path), disabled,
      step: schema.type === "integer" ? "1" : "any", value: value ?? "" });
    input.addEventListener("input", () => {
      const raw = input.value.trim();
      if (raw === "") set(nullable ? null : 0);
      else set(schema.type === "integer" ? Math.trunc(Number(raw)) : Number(raw));
    });
    return input;
  }
  const long = LONG_TEXT.test(key);
  const input = long
    ? el("textarea", { id, rows: 3, testid: testid(path), disabled })
    : el("input", { id, type: "text", testid: testid(path), disabled });
  input.value = value ?? "";
  input.addEventListener("input", () => set(input.value));
  return input;
}

function stringList(ctx, holder, key, path) {
  const input = el("input", { id: uid(), type: "text", testid: testid(path), disabled: ctx.readOnly,
    value: (holder[key] || []).join(", ") });
  input.addEventListener("input", () => {
    holder[key] = input.value.split(",").map((part) => part.trim()).filter(Boolean);
    ctx.changed(path);
  });
  return input;
}

function keyValues(ctx, holder, key, path) {
  const box = el("div", { class: "pairs", testid: testid(path) });
  const draw = () => {
    clear(box);
    const entries = Object.entries(holder[key] || {});
    entries.forEach(([name, value], index) => {
      const nameInput = el("input", { type: "text", value: name, "aria-label": "Property", disabled: ctx.readOnly });
      const valueInput = el("input", { type: "text", value, "aria-label": "Value", disabled: ctx.readOnly });
      const write = () => {
        const next = {};
        entries.forEach(([n, v], i) => {
          if (i === index) { if (nameInput.value.trim()) next[nameInput.value.trim()] = valueInput.value; }
          else next[n] = v;
        });
        holder[key] = next;
        ctx.changed(path);
      };
      nameInput.addEventListener("change", () => { write(); draw(); });
      valueInput.addEventListener("input", write);
      box.append(el("div", { class: "pair", "data-path": join(path, name) }, [
        nameInput, valueInput,
        ctx.readOnly ? null : el("button", { type: "button", class: "link", text: "Remove", onclick: () => {
          const next = { ...holder[key] }; delete next[name]; holder[key] = next; ctx.changed(path); draw();
        } }),
      ]));
    });
    if (!ctx.readOnly) {
      box.append(el("button", { type: "button", class: "add", text: "+ Add another property", onclick: () => {
        const next = { ...(holder[key] || {}) };
        let name = "property"; let n = 1;
        while (name in next) { n += 1; name = `property${n}`; }
        next[name] = "";
        holder[key] = next; ctx.changed(path); draw();
      } }));
    }
  };
  draw();
  return box;
}

/** A list of objects: each item a fieldset with Remove, and an Add button. */
export function objectList(ctx, itemNode, holder, key, path, { addLabel, itemLabel, renderItem } = {}) {
  const box = el("div", { class: "list", testid: testid(path) });
  const draw = () => {
    clear(box);
    (holder[key] || []).forEach((item, index) => {
      const itemPath = join(path, index);
      const body = renderItem
        ? renderItem(item, itemPath, index)
        : renderFields(ctx, itemNode, item, itemPath);
      box.append(el("fieldset", { class: "item", "data-path": itemPath }, [
        el("legend", { text: itemLabel ? itemLabel(index) : `${index + 1}` }),
        body,
        ctx.readOnly ? null : el("button", { type: "button", class: "link remove", text: "Remove",
          onclick: () => { holder[key].splice(index, 1); ctx.changed(path); draw(); } }),
      ]));
    });
    if (!ctx.readOnly) {
      box.append(el("button", { type: "button", class: "add", text: addLabel || "+ Add",
        onclick: () => {
          holder[key] = holder[key] || [];
          holder[key].push(defaultsOf(ctx.schemas, itemNode));
          ctx.changed(path); draw();
        } }));
    }
  };
  draw();
  return box;
}

/** One field of an object: a custom editor, a nested group, a list or a plain control. */
export function renderField(ctx, node, holder, key, path) {
  const custom = ctx.custom[key];
  if (custom) {
    const made = custom(ctx, node, holder, key, path);
    if (made) return made;
  }
  const { schema, nullable } = unwrap(ctx.schemas, node);
  if (schema.type === "object" && schema.properties) {
    if (holder[key] === null || holder[key] === undefined) holder[key] = defaultsOf(ctx.schemas, node);
    return el("fieldset", { class: "group", "data-path": path }, [
      el("legend", { text: labelOf(path) }),
      renderFields(ctx, schema, holder[key], path),
    ]);
  }
  if (schema.type === "object") return field(path, keyValues(ctx, holder, key, path));
  if (schema.type === "array") {
    const items = resolve(ctx.schemas, schema.items);
    if (items.type === "object") {
      return el("fieldset", { class: "group", "data-path": path }, [
        el("legend", { text: labelOf(path) }),
        objectList(ctx, schema.items, holder, key, path),
      ]);
    }
    return field(path, stringList(ctx, holder, key, path));
  }
  const control = scalarControl(ctx, schema, nullable, holder, key, path);
  return field(path, control, { inline: schema.type === "boolean" });
}

/** Every field of an object schema, in the model's order. */
export function renderFields(ctx, node, value, path, only) {
  const schema = resolve(ctx.schemas, node);
  const box = el("div", { class: "fields" });
  for (const [name, property] of Object.entries(schema.properties || {})) {
    if (only && !only.includes(name)) continue;
    box.append(renderField(ctx, property, value, name, join(path, name)));
  }
  return box;
}

/** Put each refused field's message beside it; what has no place goes in `summary`. */
export function showErrors(root, fields, summary) {
  for (const old of root.querySelectorAll(".field-error")) old.remove();
  for (const old of root.querySelectorAll("[data-invalid]")) old.removeAttribute("data-invalid");
  const unplaced = [];
  for (const [path, message] of Object.entries(fields || {})) {
    let at = path;
    let holder = null;
    while (at) {
      holder = root.querySelector(`[data-path="${CSS.escape(at)}"]`);
      if (holder) break;
      at = at.includes("[") && at.lastIndexOf("[") > at.lastIndexOf(".")
        ? at.slice(0, at.lastIndexOf("["))
        : at.slice(0, Math.max(0, at.lastIndexOf(".")));
    }
    const text = at === path ? message : `${labelOf(path)}: ${message}`;
    const note = el("p", { class: "field-error", role: "alert", testid: "field-error", "data-error-for": path, text });
    if (holder) {
      holder.setAttribute("data-invalid", "true");
      holder.append(note);
    } else {
      unplaced.push(note);
    }
  }
  if (summary) {
    clear(summary);
    summary.hidden = unplaced.length === 0;
    unplaced.forEach((note) => summary.append(note));
  }
}
