import { describe, expect, it } from "vitest";
import { API_CONTENT_SECURITY_POLICY, contentSecurityPolicy, newNonce, servedOverHttps, strictTransportSecurity } from "@/lib/http/security-headers";

const directive = (policy: string, name: string) => policy.split("; ").find((d) => d.startsWith(`${name} `));

describe("the pages' Content-Security-Policy", () => {
  it("allows scripts only with the response's nonce: no 'unsafe-inline', no 'unsafe-eval' in production", () => {
    const policy = contentSecurityPolicy("abc123", { development: false, https: false });
    expect(directive(policy, "script-src")).toBe("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(directive(policy, "object-src")).toBe("object-src 'none'");
    expect(directive(policy, "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(directive(policy, "base-uri")).toBe("base-uri 'self'");
    expect(policy).not.toContain("upgrade-insecure-requests");
  });

  it("adds 'unsafe-eval' only for next dev, and upgrade-insecure-requests only on https", () => {
    expect(directive(contentSecurityPolicy("n", { development: true, https: false }), "script-src")).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy("n", { development: false, https: true }).split("; ")).toContain("upgrade-insecure-requests");
  });

  it("nonces are fresh and carry 128 random bits", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const nonce of [...nonces].slice(0, 20)) expect(Buffer.from(nonce, "base64")).toHaveLength(16);
  });

  it("API answers allow nothing to load and cannot be framed", () => {
    expect(API_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe("HSTS follows the configured public URL", () => {
  it.each([
    ["https://screening.example.org", true],
    ["HTTPS://screening.example.org:8443/app", true],
    ["http://127.0.0.1:3000", false],
    ["http://screening.example.org", false],
    [undefined, false],
    ["", false],
    ["not a url", false],
  ])("%s → https %s", (url, https) => {
    expect(servedOverHttps(url)).toBe(https);
    expect(strictTransportSecurity(url)).toBe(https ? "max-age=31536000; includeSubDomains" : null);
  });
});

describe("sign-in cookies for an app framed by an EHR on another site (SESSION_COOKIES_IN_EHR_FRAME)", () => {
  it("are SameSite=None and Secure, under next-auth's https names, and need an https NEXTAUTH_URL", async () => {
    const { framedSessionCookies } = await import("@/lib/auth/cookies");
    const { parseEnv } = await import("@/lib/config/env");
    const cookies = framedSessionCookies();
    expect(Object.values(cookies).map((c) => [c.name, c.options.sameSite, c.options.secure])).toEqual([
      ["__Secure-next-auth.session-token", "none", true],
      ["__Secure-next-auth.callback-url", "none", true],
      ["__Host-next-auth.csrf-token", "none", true],
    ]);
    expect(parseEnv({ SESSION_COOKIES_IN_EHR_FRAME: "true", NEXTAUTH_URL: "https://screening.example.org" }).SESSION_COOKIES_IN_EHR_FRAME).toBe(true);
    expect(parseEnv({}).SESSION_COOKIES_IN_EHR_FRAME).toBe(false);
    expect(() => parseEnv({ SESSION_COOKIES_IN_EHR_FRAME: "true", NEXTAUTH_URL: "http://127.0.0.1:3000" })).toThrow(/SESSION_COOKIES_IN_EHR_FRAME: needs an https NEXTAUTH_URL/);
    expect(() => parseEnv({ SESSION_COOKIES_IN_EHR_FRAME: "yes" })).toThrow(/SESSION_COOKIES_IN_EHR_FRAME/);
  });
});

describe("framing by the EHR a SMART launch came from (lib/http/frame-ancestor.ts)", () => {
  const SECRET = "a next-auth secret of at least thirty-two characters";

  it("lets exactly the signed EHR origin frame the pages, and no one without the cookie", async () => {
    const { signFrameAncestor, verifyFrameAncestor } = await import("@/lib/http/frame-ancestor");
    const cookie = await signFrameAncestor("https://ehr.example.org", SECRET);
    const origin = await verifyFrameAncestor(cookie, SECRET);
    expect(origin).toBe("https://ehr.example.org");
    expect(directive(contentSecurityPolicy("n", { development: false, https: true, frameAncestor: origin }), "frame-ancestors")).toBe("frame-ancestors 'self' https://ehr.example.org");
    expect(directive(contentSecurityPolicy("n", { development: false, https: true, frameAncestor: null }), "frame-ancestors")).toBe("frame-ancestors 'none'");
  });

  it("ignores a cookie someone else wrote: another origin under the signature, another secret, a path or a wildcard, garbage", async () => {
    const { signFrameAncestor, verifyFrameAncestor } = await import("@/lib/http/frame-ancestor");
    const cookie = await signFrameAncestor("https://ehr.example.org", SECRET);
    const signature = cookie.slice(cookie.lastIndexOf(".") + 1);
    expect(await verifyFrameAncestor(`${encodeURIComponent("https://evil.example.org")}.${signature}`, SECRET)).toBeNull();
    expect(await verifyFrameAncestor(cookie, "another secret of at least thirty-two characters")).toBeNull();
    expect(await verifyFrameAncestor(cookie, undefined)).toBeNull();
    for (const value of [undefined, "", ".", "https%3A%2F%2Fehr.example.org", `${encodeURIComponent("*")}.${signature}`, `${encodeURIComponent("https://ehr.example.org/path")}.${signature}`, "%E0%A4%A.x"]) {
      expect(await verifyFrameAncestor(value, SECRET)).toBeNull();
    }
    await expect(signFrameAncestor("https://ehr.example.org/fhir", SECRET)).rejects.toThrow(/Not an origin/);
  });
});
