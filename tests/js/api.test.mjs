// The widget's REST calls: the visitor's token on every call, refusals as errors with the
// server's code (a 429 with how long to wait).
import assert from "node:assert/strict";
import { test } from "node:test";

import { RequestError, widgetApi } from "../../reference_server/web/static/widget/api.js";

function answer(status, body, headers = {}) {
  return {
    ok: status < 400,
    status,
    headers: { get: (name) => headers[name] ?? null },
    json: async () => {
      if (body === undefined) throw new SyntaxError("no body");
      return body;
    },
  };
}

test("calls carry the visitor token and JSON, and answer with the body", async () => {
  const calls = [];
  const request = widgetApi({
    origin: "https://chat.example",
    accountId: "acc 1",
    visitorToken: () => "lcv_abc",
    fetchImpl: async (url, options) => {
      calls.push([url, options]);
      return answer(200, { ok: true });
    },
  });
  assert.deepEqual(await request("POST", "/consent", { data_processing: true }), { ok: true });
  const [url, options] = calls[0];
  assert.equal(url, "https://chat.example/widget/v1/acc%201/consent");
  assert.equal(options.headers["X-Visitor-Token"], "lcv_abc");
  assert.equal(options.headers["Content-Type"], "application/json");
  assert.equal(options.body, '{"data_processing":true}');
  assert.equal(options.credentials, "omit");
});

test("204 answers null", async () => {
  const request = widgetApi({ origin: "o", accountId: "a", visitorToken: () => null, fetchImpl: async () => answer(204) });
  assert.equal(await request("GET", "/x"), null);
});

test("a refusal is an error with the server's code and fields", async () => {
  const request = widgetApi({
    origin: "o",
    accountId: "a",
    visitorToken: () => "t",
    fetchImpl: async () =>
      answer(409, { error: { code: "consent_required", message: "agree first", fields: { data_processing: "x" } } }),
  });
  await assert.rejects(request("POST", "/conversations"), (error) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 409);
    assert.equal(error.code, "consent_required");
    assert.equal(error.message, "agree first");
    assert.deepEqual(error.fields, { data_processing: "x" });
    return true;
  });
});

test("a 429 says how long to wait, even without a JSON body", async () => {
  const request = widgetApi({
    origin: "o",
    accountId: "a",
    visitorToken: () => "t",
    fetchImpl: async () => answer(429, undefined, { "Retry-After": "7" }),
  });
  await assert.rejects(request("GET", "/x"), (error) => error.code === "rate_limited" && error.retryAfter === 7);
});
