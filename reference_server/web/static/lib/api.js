/*
 * Live chat lab — the one fetch helper of the server's own pages (admin console, inbox).
 *
 * Every call to /api/v1 goes through api(): the session token (from the log-in answer,
 * kept for this tab in sessionStorage) as a bearer token, JSON in and out, and errors as
 * ApiError {status, code, message, fields} from the server's error contract. Whatever the
 * server asks of its own pages' requests (a CSRF header, say) is added here, in one place.
 * A 401 dispatches "livechat:logged-out" on window, so a page shows its log-in again.
 */

export const TOKEN_KEY = "livechat:session-token";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.fields = error.fields || {};
  }
}

export function sessionToken() {
  try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
}

export function setSessionToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) { /* storage refused: this page view still works */ }
}

function headersFor(body, extra) {
  const headers = { Accept: "application/json", ...(extra || {}) };
  const token = sessionToken();
  if (token) headers.Authorization = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return headers;
}

/**
 * Call the REST API: api("GET", "/chatflows"). Options: headers (e.g. If-Match), raw
 * (resolve with {data, response} to read headers such as ETag).
 */
export async function api(method, path, body, options = {}) {
  const response = await fetch("/api/v1" + path, {
    method,
    headers: headersFor(body, options.headers),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!response.ok) {
    if (response.status === 401 && path !== "/auth/login") {
      setSessionToken(null);
      window.dispatchEvent(new CustomEvent("livechat:logged-out"));
    }
    throw new ApiError(response.status, data);
  }
  return options.raw ? { data, response } : data;
}

/** Log in: the token is kept for this tab. Resolves with the session answer. */
export async function logIn(email, password) {
  const session = await api("POST", "/auth/login", { email, password });
  setSessionToken(session.token);
  return session;
}

export async function logOut() {
  try { await api("POST", "/auth/logout"); } catch (e) { /* the session is gone anyway */ }
  setSessionToken(null);
}
