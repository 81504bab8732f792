import { describe, expect, it, vi } from "vitest";
import { isSameOrigin, isStateChangingMethod, type OriginPolicy } from "@/lib/auth/origin";

vi.mock("@/lib/auth/session", () => ({
  requireActor: vi.fn(async () => ({ kind: "user", userId: "u1", clinicId: "c1", role: "admin", name: "A", email: "a@x.test" })),
}));

function request(headers: Record<string, string>, url = "http://app.example:3000/api/jobs/recompute", method = "POST"): Request {
  return new Request(url, { method, headers });
}

describe("isSameOrigin", () => {
  const direct = { trustForwardedHost: false };
  const viaTrustedProxy = { trustForwardedHost: true };
  const cases: { name: string; headers: Record<string, string>; policy?: OriginPolicy; expected: boolean }[] = [
    { name: "same origin", headers: { host: "app.example:3000", origin: "http://app.example:3000" }, expected: true },
    { name: "host compared case-insensitively", headers: { host: "APP.example:3000", origin: "http://app.EXAMPLE:3000" }, expected: true },
    { name: "another origin", headers: { host: "app.example:3000", origin: "https://evil.example" }, expected: false },
    { name: "same host, another port", headers: { host: "app.example:3000", origin: "http://app.example:4000" }, expected: false },
    { name: "a look-alike host", headers: { host: "app.example:3000", origin: "http://app.example:3000.evil.example" }, expected: false },
    { name: "missing Origin and Sec-Fetch-Site", headers: { host: "app.example:3000" }, expected: false },
    { name: "a same-site Referer alone is not enough", headers: { host: "app.example:3000", referer: "http://app.example:3000/patients?tier=high" }, expected: false },
    { name: "no Origin, Sec-Fetch-Site: same-origin", headers: { host: "app.example:3000", "sec-fetch-site": "same-origin" }, expected: true },
    { name: "no Origin, Sec-Fetch-Site: same-site (a sibling subdomain)", headers: { host: "app.example:3000", "sec-fetch-site": "same-site" }, expected: false },
    { name: "no Origin, Sec-Fetch-Site: cross-site", headers: { host: "app.example:3000", "sec-fetch-site": "cross-site" }, expected: false },
    { name: "no Origin, Sec-Fetch-Site: none", headers: { host: "app.example:3000", "sec-fetch-site": "none" }, expected: false },
    { name: "a cross-site Origin is refused whatever Sec-Fetch-Site says", headers: { host: "app.example:3000", origin: "https://evil.example", "sec-fetch-site": "same-origin" }, expected: false },
    { name: 'Origin "null" (sandboxed frame)', headers: { host: "app.example:3000", origin: "null", "sec-fetch-site": "same-origin" }, expected: false },
    { name: "malformed Origin", headers: { host: "app.example:3000", origin: "not a url" }, expected: false },
    { name: "non-web scheme", headers: { host: "app.example:3000", origin: "file://app.example:3000" }, expected: false },
    {
      name: "behind a trusted proxy: X-Forwarded-Host is the public host, TLS ended at the proxy",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org", "x-forwarded-proto": "https", origin: "https://clinic.example.org" },
      policy: viaTrustedProxy,
      expected: true,
    },
    {
      name: "behind a trusted proxy: the first of several forwarded hosts",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org, internal.lb", origin: "https://clinic.example.org" },
      policy: viaTrustedProxy,
      expected: true,
    },
    {
      name: "behind a trusted proxy: another origin is still refused",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org", origin: "https://evil.example" },
      policy: viaTrustedProxy,
      expected: false,
    },
    {
      name: "X-Forwarded-Host from a client that is not a trusted proxy is ignored",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "evil.example", origin: "https://evil.example" },
      expected: false,
    },
    {
      name: "the configured public origin (NEXTAUTH_URL) when the proxy sends no forwarded host",
      headers: { host: "127.0.0.1:3000", origin: "https://clinic.example.org" },
      policy: { publicOrigin: "https://clinic.example.org", trustForwardedHost: false },
      expected: true,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      expect(isSameOrigin(new Headers(c.headers), c.policy ?? direct)).toBe(c.expected);
    });
  }
});

describe("isStateChangingMethod", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE", "post"])("%s changes state", (method) => expect(isStateChangingMethod(method)).toBe(true));
  it.each(["GET", "HEAD", "OPTIONS"])("%s does not", (method) => expect(isStateChangingMethod(method)).toBe(false));
});

describe("guardedRoute origin check", async () => {
  const { guardedRoute } = await import("@/lib/auth/guarded");
  const handler = guardedRoute("recompute:run", async () => Response.json({ ok: true }));

  it("refuses a cross-origin POST with 403 { error: forbidden, message }", async () => {
    const response = await handler(request({ host: "app.example:3000", origin: "https://evil.example" }), {});
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe("forbidden");
    expect(body.message).toMatch(/this site/);
  });

  it("refuses a POST with neither Origin nor Sec-Fetch-Site, or with only a Referer", async () => {
    expect((await handler(request({ host: "app.example:3000" }), {})).status).toBe(403);
    expect((await handler(request({ host: "app.example:3000", referer: "http://app.example:3000/thresholds" }), {})).status).toBe(403);
  });

  it("lets a POST without Origin but with Sec-Fetch-Site: same-origin through", async () => {
    const response = await handler(request({ host: "app.example:3000", "sec-fetch-site": "same-origin" }), {});
    expect(response.status).toBe(200);
  });

  it("lets a same-origin POST through to the handler", async () => {
    const response = await handler(request({ host: "app.example:3000", origin: "http://app.example:3000" }), {});
    expect(response.status).toBe(200);
  });

  it("does not check GET (reads carry no CSRF risk and may come from links)", async () => {
    const response = await handler(request({ host: "app.example:3000", origin: "https://evil.example" }, undefined, "GET"), {});
    expect(response.status).toBe(200);
  });
});
