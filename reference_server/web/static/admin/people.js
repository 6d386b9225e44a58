/*
 * Users and teams (CF6, CV4, AV8, RT3): each user's status, capacity, skills, seat and
 * permissions, changed in place. A control is offered only where the server says the
 * caller may make that change (each user's `you_may`, decided by the same checks that
 * refuse the rest), and a new user's role only among the roles the caller may grant.
 */
import { api } from "../lib/api.js";
import { el, labelCells } from "../lib/dom.js";

const PERMISSIONS = [["chatflows", "Chatflows"], ["users", "Users and settings"]];

function cell(user, name, control, text) {
  return el("td", { "data-field": name }, [user.you_may.includes(name) ? control : el("span", { text })]);
}

function userRow(app, user, refresh) {
  const error = el("p", { class: "field-error", hidden: true, testid: "user-error" });
  const patch = async (changes, put) => {
    error.hidden = true;
    try {
      if (put) await api("PUT", `/users/${user.id}/status`, changes);
      else await api("PATCH", `/users/${user.id}`, changes);
      app.toast(`${user.name}: saved`);
      await refresh();
    } catch (e) {
      error.hidden = false;
      error.textContent = Object.keys(e.fields).length
        ? Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join("; ") : e.message;
    }
  };
  const status = el("select", { testid: "user-status", "aria-label": `Status of ${user.name}` },
    ["available", "away", "offline"].map((s) => el("option", { value: s, text: s })));
  status.value = user.status;
  status.addEventListener("change", () => patch({ status: status.value }, true));
  const capacity = el("input", { type: "number", min: 1, max: 100, value: user.capacity ?? "", placeholder: "no limit",
    testid: "user-capacity", "aria-label": `Capacity of ${user.name}` });
  capacity.addEventListener("change", () => patch({ capacity: capacity.value ? Number(capacity.value) : null }));
  const skills = el("input", { type: "text", value: user.skills.join(", "), testid: "user-skills",
    "aria-label": `Skills of ${user.name}` });
  skills.addEventListener("change", () => patch({ skills: skills.value.split(",").map((s) => s.trim()).filter(Boolean) }));
  const seat = el("input", { type: "checkbox", checked: user.has_seat, testid: "user-seat", "aria-label": `Seat of ${user.name}` });
  seat.addEventListener("change", () => patch({ has_seat: seat.checked }));
  const permissions = el("span", { class: "checks" }, PERMISSIONS.map(([code, label]) => {
    const box = el("input", { type: "checkbox", checked: user.permissions.includes(code), value: code,
      testid: `user-permission-${code}` });
    box.addEventListener("change", () => {
      const chosen = PERMISSIONS.map(([c]) => c).filter((c) => (c === code ? box.checked : user.permissions.includes(c)));
      patch({ permissions: chosen });
    });
    return el("label", { class: "check" }, [box, label]);
  }));
  const shownPermissions = user.role === "admin" ? "all (admin)"
    : user.permissions.filter((p) => p !== "inbox").join(", ") || "inbox only";
  return el("tr", { testid: "user-row", "data-user-id": user.id, "data-email": user.email }, [
    el("td", {}, [el("strong", { text: user.name }), el("div", { class: "muted small", text: user.email }), error]),
    el("td", { text: user.role }),
    cell(user, "status", status, user.status),
    el("td", { text: String(user.active_chats) }),
    cell(user, "capacity", capacity, user.capacity ?? "no limit"),
    cell(user, "skills", skills, user.skills.join(", ") || "—"),
    cell(user, "has_seat", seat, user.has_seat ? "yes" : "no"),
    cell(user, "permissions", user.role === "admin" ? el("span", { text: "all (admin)" }) : permissions, shownPermissions),
    el("td", {}, [user.you_may.includes("delete") ? el("button", { type: "button", class: "link danger",
      text: "Delete", testid: "user-delete", onclick: async () => {
        if (!window.confirm(`Delete ${user.name}?`)) return;
        try { await api("DELETE", `/users/${user.id}`); await refresh(); } catch (e) { app.toast(e.message, true); }
      } }) : null]),
  ]);
}

function newUserForm(app, refresh) {
  const roles = app.me.may_grant_roles;
  if (!roles.length) return null;
  const email = el("input", { type: "email", required: true, placeholder: "email", testid: "new-user-email", "aria-label": "Email" });
  const name = el("input", { type: "text", required: true, placeholder: "name", testid: "new-user-name", "aria-label": "Name" });
  const password = el("input", { type: "password", required: true, minlength: 8, placeholder: "password (8+)",
    testid: "new-user-password", "aria-label": "Password", autocomplete: "new-password" });
  const role = el("select", { testid: "new-user-role", "aria-label": "Role" }, roles.map((r) => el("option", { value: r, text: r })));
  const error = el("p", { class: "field-error", hidden: true, testid: "new-user-error" });
  const form = el("form", { class: "inline-form", testid: "new-user-form" }, [email, name, password, role,
    el("button", { type: "submit", class: "primary", text: "Add user" }), error]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/users", { email: email.value, name: name.value, password: password.value, role: role.value });
      form.reset();
      error.hidden = true;
      await refresh();
    } catch (e) {
      error.hidden = false;
      error.textContent = Object.keys(e.fields).length
        ? Object.entries(e.fields).map(([k, v]) => `${k}: ${v}`).join("; ") : e.message;
    }
  });
  return form;
}

function teamCard(app, team, refresh) {
  const canEdit = app.can("users");
  const members = el("div", { class: "picker" }, app.data.users.map((user) => {
    const box = el("input", { type: "checkbox", checked: team.user_ids.includes(user.id), disabled: !canEdit });
    box.addEventListener("change", async () => {
      const ids = app.data.users.filter((u) => (u.id === user.id ? box.checked : team.user_ids.includes(u.id))).map((u) => u.id);
      try { await api("PUT", `/teams/${team.id}/members`, { user_ids: ids }); await refresh(); }
      catch (e) { app.toast(e.message, true); box.checked = !box.checked; }
    });
    return el("label", { class: "check" }, [box, user.name]);
  }));
  return el("div", { class: "card", testid: "team-card", "data-team-id": team.id }, [
    el("h3", { text: team.name }),
    members,
    canEdit ? el("button", { type: "button", class: "link danger", text: "Delete team", onclick: async () => {
      if (!window.confirm(`Delete the team ${team.name}?`)) return;
      try { await api("DELETE", `/teams/${team.id}`); await refresh(); } catch (e) { app.toast(e.message, true); }
    } }) : null,
  ]);
}

export async function peoplePage(app) {
  const page = el("section", { class: "page", testid: "people-page" });
  const refresh = async () => {
    await app.loadData();
    page.replaceWith(await peoplePage(app));
  };
  const rows = app.data.users.map((user) => userRow(app, user, refresh));
  const newTeam = app.can("users") ? (() => {
    const name = el("input", { type: "text", placeholder: "team name", required: true, testid: "new-team-name", "aria-label": "Team name" });
    const form = el("form", { class: "inline-form" }, [name, el("button", { type: "submit", text: "Add team" })]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try { await api("POST", "/teams", { name: name.value }); await refresh(); } catch (e) { app.toast(e.message, true); }
    });
    return form;
  })() : null;
  page.append(
    el("header", { class: "page-head" }, [el("h1", { text: "Users and teams" })]),
    el("p", { class: "lead", text: "Only users with a seat can be named in routing. Status, capacity and skills decide who gets each chat." }),
    el("div", { class: "table-wrap" }, [labelCells(el("table", { class: "table", testid: "users-table" }, [
      el("thead", {}, [el("tr", {}, ["User", "Role", "Status", "Chats", "Capacity", "Skills", "Seat", "Permissions", ""]
        .map((h) => el("th", { text: h })))]),
      el("tbody", {}, rows),
    ]))]),
    newUserForm(app, refresh),
    el("h2", { text: "Teams" }),
    el("div", { class: "cards" }, app.data.teams.map((team) => teamCard(app, team, refresh))),
    newTeam,
  );
  return page;
}
