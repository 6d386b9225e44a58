/**
 * The widget's REST calls under /widget/v1/{account} with the visitor's token. A refusal
 * becomes an Error carrying the server's error code, its status, its field messages and,
 * for a 429, how many seconds to wait (Retry-After).
 */

export class RequestError extends Error {
  constructor(status, body, retryAfter) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 429 ? "rate_limited" : `http_${status}`);
    this.fields = error.fields || {};
    this.retryAfter = retryAfter;
  }
}

/** A request(method, path, body) function for one account and visitor. */
export function widgetApi({ origin, accountId, visitorToken, fetchImpl }) {
  const base = `${origin}/widget/v1/${encodeURIComponent(accountId)}`;
  const doFetch = fetchImpl || ((...args) => fetch(...args));
  return async function request(method, path, body) {
    const options = {
      method,
      headers: { "X-Visitor-Token": visitorToken() || "" },
      credentials: "omit",
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await doFetch(base + path, options);
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      const wait = Number(response.headers && response.headers.get("Retry-After"));
      throw new RequestError(response.status, answer, Number.isFinite(wait) ? wait : null);
    }
    return response.status === 204 ? null : response.json();
  };
}
