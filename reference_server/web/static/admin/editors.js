/*
 * The settings that a plain control does not suit: office hours with "+ Add hours",
 * targeting rules in filter groups (AND inside a group, OR between groups) and exclusions,
 * people and team pickers (routing offers only users with a seat, CF6), knowledge base and
 * survey choices, the accent colour and the time zone. Each is keyed by the field's name
 * and used by form.js in place of the plain control.
 */
import { el, clear } from "../lib/dom.js";
import { field, join, objectList } from "./form.js";
import { labelOf, valueLabel } from "./labels.js";
import { resolve } from "./schema.js";

const NAMED_FIELDS = ["query_parameter", "contact_property"];
const VALUELESS = ["all_pages", "is_known", "is_unknown"];

function select(options, value, attributes = {}) {
  const node = el("select", attributes, options.map(([v, text]) => el("option", { value: v, text })));
  node.value = value ?? "";
  return node;
}

function officeHours(ctx, node, holder, key, path) {
  const schema = resolve(ctx.schemas, node);
  const daySchema = resolve(ctx.schemas, resolve(ctx.schemas, schema.items).properties.day);
  const list = objectList(ctx, schema.items, holder, key, path, {
    addLabel: "+ Add hours",
    itemLabel: () => "",
    renderItem: (item, itemPath) => {
      const day = select(daySchema.enum.map((d) => [d, valueLabel(d)]), item.day,
        { "aria-label": "Day", disabled: ctx.readOnly, testid: "hours-day" });
      day.addEventListener("change", () => { item.day = day.value; ctx.changed(itemPath); });
      const time = (name) => {
        const input = el("input", { type: "text", inputmode: "numeric", placeholder: "HH:MM", size: 5,
          value: item[name], "aria-label": labelOf(name), disabled: ctx.readOnly, testid: `hours-${name}` });
        input.addEventListener("input", () => { item[name] = input.value.trim(); ctx.changed(itemPath); });
        return el("span", { class: "time", "data-path": join(itemPath, name) }, [input]);
      };
      return el("div", { class: "row hours" }, [day, time("start"), el("span", { text: "–" }), time("end")]);
    },
  });
  list.classList.add("compact");
  return el("fieldset", { class: "group", "data-path": path }, [el("legend", { text: labelOf(path) }), list]);
}

function ruleEditor(ctx, rule, path) {
  const schema = resolve(ctx.schemas, { $ref: "#/components/schemas/Rule" });
  const operatorsBy = schema["x-operators-by-field"] || {};
  const valuesBy = schema["x-values-by-field"] || {};
  const fields = resolve(ctx.schemas, schema.properties.field).enum;
  const row = el("div", { class: "row rule" });
  const draw = () => {
    clear(row);
    const fieldSelect = select(fields.map((f) => [f, valueLabel(f)]), rule.field,
      { "aria-label": "Rule field", disabled: ctx.readOnly, testid: "rule-field" });
    fieldSelect.addEventListener("change", () => {
      rule.field = fieldSelect.value;
      const allowed = operatorsBy[rule.field] || [];
      if (!allowed.includes(rule.operator)) rule.operator = allowed[0];
      const choices = valuesBy[rule.field];
      if (choices && !choices.includes(rule.value)) rule.value = choices[0];
      if (!NAMED_FIELDS.includes(rule.field)) rule.name = "";
      ctx.changed(path);
      draw();
    });
    row.append(el("span", { "data-path": join(path, "field") }, [fieldSelect]));
    if (NAMED_FIELDS.includes(rule.field)) {
      const name = el("input", { type: "text", value: rule.name, disabled: ctx.readOnly, testid: "rule-name",
        placeholder: rule.field === "query_parameter" ? "parameter" : "property", "aria-label": "Name" });
      name.addEventListener("input", () => { rule.name = name.value; ctx.changed(path); });
      row.append(el("span", { "data-path": join(path, "name") }, [name]));
    }
    const operators = operatorsBy[rule.field] || [rule.operator];
    const operator = select(operators.map((o) => [o, valueLabel(o)]), rule.operator,
      { "aria-label": "Operator", disabled: ctx.readOnly, testid: "rule-operator" });
    operator.addEventListener("change", () => { rule.operator = operator.value; ctx.changed(path); draw(); });
    row.append(el("span", { "data-path": join(path, "operator") }, [operator]));
    if (!VALUELESS.includes(rule.operator)) {
      const choices = valuesBy[rule.field];
      let value;
      if (choices) {
        value = select(choices.map((c) => [c, valueLabel(c)]), rule.value,
          { "aria-label": "Value", disabled: ctx.readOnly, testid: "rule-value" });
        value.addEventListener("change", () => { rule.value = value.value; ctx.changed(path); });
      } else {
        value = el("input", { type: "text", value: rule.value, disabled: ctx.readOnly, testid: "rule-value",
          placeholder: rule.field === "page_url" ? "/pricing" : "value", "aria-label": "Value" });
        value.addEventListener("input", () => { rule.value = value.value; ctx.changed(path); });
      }
      row.append(el("span", { "data-path": join(path, "value"), class: "grow" }, [value]));
    }
  };
  draw();
  return row;
}

function rules(ctx, holder, key, path, addLabel) {
  return objectList(ctx, { $ref: "#/components/schemas/Rule" }, holder, key, path, {
    addLabel,
    itemLabel: (index) => (index === 0 ? "" : "and"),
    renderItem: (rule, rulePath) => ruleEditor(ctx, rule, rulePath),
  });
}

function groups(ctx, node, holder, key, path) {
  const box = el("div", { class: "groups", testid: "target-groups" });
  const draw = () => {
    clear(box);
    (holder[key] || []).forEach((group, index) => {
      const groupPath = join(path, index);
      if (index > 0) box.append(el("p", { class: "or", text: "or" }));
      const list = rules(ctx, group, "rules", join(groupPath, "rules"), "+ Add rule");
      list.classList.add("compact");
      box.append(el("fieldset", { class: "item filter-group", "data-path": groupPath, testid: "filter-group" }, [
        el("legend", { text: `Filter group ${index + 1} — every rule must hold` }),
        list,
        ctx.readOnly ? null : el("button", { type: "button", class: "link remove", text: "Remove group",
          onclick: () => { holder[key].splice(index, 1); ctx.changed(path); draw(); } }),
      ]));
    });
    if (!ctx.readOnly) {
      box.append(el("button", { type: "button", class: "add", text: "+ Add filter group", testid: "add-filter-group",
        onclick: () => {
          holder[key] = holder[key] || [];
          holder[key].push({ rules: [{ field: "page_url", operator: "contains", value: "", name: "" }] });
          ctx.changed(path); draw();
        } }));
    }
  };
  draw();
  return el("fieldset", { class: "group", "data-path": path }, [
    el("legend", { text: labelOf(path) }),
    el("p", { class: "hint", text: "The chat shows where any filter group holds (or), and no exclusion rule does." }),
    box,
  ]);
}

function exclusions(ctx, node, holder, key, path) {
  const list = rules(ctx, holder, key, path, "+ Add exclusion rule");
  list.classList.add("compact");
  return el("fieldset", { class: "group", "data-path": path }, [
    el("legend", { text: labelOf(path) }),
    el("p", { class: "hint", text: "An exclusion beats every filter group, e.g. never on the privacy page." }),
    list,
  ]);
}

function picker(ctx, holder, key, path, options, empty) {
  const box = el("div", { class: "picker", testid: `picker-${key}` });
  const chosen = new Set(holder[key] || []);
  if (!options.length) box.append(el("p", { class: "hint", text: empty }));
  for (const [id, text] of options) {
    const box2 = el("input", { type: "checkbox", value: id, checked: chosen.has(id), disabled: ctx.readOnly });
    box2.addEventListener("change", () => {
      if (box2.checked) chosen.add(id); else chosen.delete(id);
      holder[key] = options.map(([optionId]) => optionId).filter((optionId) => chosen.has(optionId));
      ctx.changed(path);
    });
    box.append(el("label", { class: "check" }, [box2, text]));
  }
  // Ids the account no longer has stay visible, so the server's error has a place.
  for (const id of chosen) {
    if (!options.some(([optionId]) => optionId === id)) box.append(el("span", { class: "stale", text: id }));
  }
  return field(path, box);
}

function userIds(ctx, node, holder, key, path) {
  const routing = /assignment/.test(path);
  const users = ctx.data.users.filter((user) => !routing || user.has_seat);
  return picker(ctx, holder, key, path, users.map((u) => [u.id, `${u.name} (${u.email})`]),
    routing ? "No users with a seat yet." : "No users yet.");
}

function teamIds(ctx, node, holder, key, path) {
  return picker(ctx, holder, key, path, ctx.data.teams.map((t) => [t.id, t.name]), "No teams yet.");
}

function choice(options, emptyText) {
  return (ctx, node, holder, key, path) => {
    const list = options(ctx);
    const control = select([["", emptyText], ...list], holder[key],
      { id: `pick-${key}`, disabled: ctx.readOnly, testid: `field-${key}` });
    control.addEventListener("change", () => { holder[key] = control.value; ctx.changed(path); });
    return field(path, control);
  };
}

function accentColor(ctx, node, holder, key, path) {
  const colour = el("input", { type: "color", value: holder[key], disabled: ctx.readOnly, "aria-label": "Pick a colour" });
  const text = el("input", { type: "text", value: holder[key], size: 8, disabled: ctx.readOnly,
    testid: "field-accent_color", id: `pick-${key}` });
  colour.addEventListener("input", () => { holder[key] = colour.value; text.value = colour.value; ctx.changed(path); });
  text.addEventListener("input", () => {
    holder[key] = text.value.trim();
    if (/^#[0-9a-f]{6}$/i.test(holder[key])) colour.value = holder[key];
    ctx.changed(path);
  });
  return field(path, el("span", { class: "row colour" }, [colour, text]));
}

let zones = null;
function timezone(ctx, node, holder, key, path) {
  if (!zones) {
    zones = el("datalist", { id: "time-zones" },
      (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC", "Europe/Oslo"])
        .map((zone) => el("option", { value: zone })));
    document.body.append(zones);
  }
  const input = el("input", { type: "text", list: "time-zones", value: holder[key], disabled: ctx.readOnly,
    testid: "field-timezone", id: `pick-${key}` });
  input.addEventListener("input", () => { holder[key] = input.value.trim(); ctx.changed(path); });
  return field(path, input);
}

/** The custom editors by field name, for form.js. */
export const EDITORS = {
  office_hours: officeHours,
  groups,
  exclusions,
  user_ids: userIds,
  team_ids: teamIds,
  knowledge_base_id: choice((ctx) => ctx.data.knowledgeBases.map((kb) => [kb.id, kb.name]), "— choose —"),
  survey_id: choice((ctx) => ctx.data.surveys.filter((s) => s.delivery === "chat").map((s) => [s.id, s.name]), "— choose —"),
  accent_color: accentColor,
  timezone,
};
