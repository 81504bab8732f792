import { describe, expect, it, vi } from "vitest";
import { isSameOrigin, isStateChangingMethod } from "@/lib/auth/origin";

vi.mock("@/lib/auth/session", () => ({
  requireActor: vi.fn(async () => ({ kind: "user", userId: "u1", clinicId: "c1", role: "admin", name: "A", email: "a@x.test" })),
}));

function request(headers: Record<string, string>, url = "http://app.example:3000/api/jobs/recompute", method = "POST"): Request {
  return new Request(url, { method, headers });
}

describe("isSameOrigin", () => {
  const cases: { name: string; headers: Record<string, string>; url?: string; allowed?: string; expected: boolean }[] = [
    { name: "same origin", headers: { host: "app.example:3000", origin: "http://app.example:3000" }, expected: true },
    { name: "host compared case-insensitively", headers: { host: "APP.example:3000", origin: "http://app.EXAMPLE:3000" }, expected: true },
    { name: "another origin", headers: { host: "app.example:3000", origin: "https://evil.example" }, expected: false },
    { name: "same host, another port", headers: { host: "app.example:3000", origin: "http://app.example:4000" }, expected: false },
    { name: "a look-alike host", headers: { host: "app.example:3000", origin: "http://app.example:3000.evil.example" }, expected: false },
    { name: "missing Origin and Referer", headers: { host: "app.example:3000" }, expected: false },
    { name: "Origin \"null\" (sandboxed frame)", headers: { host: "app.example:3000", origin: "null", referer: "http://app.example:3000/patients" }, expected: false },
    { name: "malformed Origin", headers: { host: "app.example:3000", origin: "not a url" }, expected: false },
    { name: "non-web scheme", headers: { host: "app.example:3000", origin: "file://app.example:3000" }, expected: false },
    { name: "Referer fallback, same site", headers: { host: "app.example:3000", referer: "http://app.example:3000/patients?tier=high" }, expected: true },
    { name: "Referer fallback, other site", headers: { host: "app.example:3000", referer: "https://evil.example/page" }, expected: false },
    { name: "Origin wins over a same-site Referer", headers: { host: "app.example:3000", origin: "https://evil.example", referer: "http://app.example:3000/" }, expected: false },
    {
      name: "behind a proxy: X-Forwarded-Host is the public host, TLS ended at the proxy",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org", "x-forwarded-proto": "https", origin: "https://clinic.example.org" },
      url: "http://127.0.0.1:3000/api/jobs/recompute",
      expected: true,
    },
    {
      name: "behind a proxy: the first of several forwarded hosts",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org, internal.lb", origin: "https://clinic.example.org" },
      url: "http://127.0.0.1:3000/api/jobs/recompute",
      expected: true,
    },
    {
      name: "behind a proxy: another origin is still refused",
      headers: { host: "127.0.0.1:3000", "x-forwarded-host": "clinic.example.org", origin: "https://evil.example" },
      url: "http://127.0.0.1:3000/api/jobs/recompute",
      expected: false,
    },
    {
      name: "the configured public origin (NEXTAUTH_URL) when the proxy sends no forwarded host",
      headers: { host: "127.0.0.1:3000", origin: "https://clinic.example.org" },
      url: "http://127.0.0.1:3000/api/jobs/recompute",
      allowed: "https://clinic.example.org",
      expected: true,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      expect(isSameOrigin(request(c.headers, c.url), c.allowed)).toBe(c.expected);
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

  it("refuses a POST with neither Origin nor Referer", async () => {
    const response = await handler(request({ host: "app.example:3000" }), {});
    expect(response.status).toBe(403);
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
