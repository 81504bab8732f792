import { expect, test } from "./fixtures";
import { signIn } from "./support";

/**
 * The CDS Hooks service over real HTTP against the production build: an EHR's call without its
 * JWT is refused with a JSON 401 — not redirected to the sign-in page by proxy.ts, not refused as
 * cross-site, and not admitted by a browser session — and its answers carry the API's headers
 * (nothing may run, nothing is stored). The calls with a JWT are tested below HTTP in
 * tests/integration/cds-hooks.int.test.ts (the server's CDS_CLIENTS cannot hold keys a test makes).
 */

const CALLS = [
  { method: "GET", path: "/cds-services" },
  { method: "POST", path: "/cds-services/patient-view" },
  { method: "POST", path: "/cds-services/order-select" },
  { method: "POST", path: "/cds-services/order-select/feedback" },
] as const;

test("without the EHR's JWT every CDS Hooks endpoint answers 401 JSON with the API's headers, never a redirect", async ({ request }) => {
  for (const { method, path } of CALLS) {
    const response = await request.fetch(path, {
      method,
      maxRedirects: 0,
      // A cross-site POST, as a server-to-server call looks to the same-origin check.
      headers: { origin: "https://ehr.example.org", "content-type": "application/json" },
      data: method === "POST" ? { hook: "patient-view", hookInstance: "x", context: { patientId: "1" } } : undefined,
    });
    expect(response.status(), `${method} ${path}`).toBe(401);
    expect(await response.json(), `${method} ${path}`).toEqual({ error: "unauthorized", message: expect.stringContaining("Authorization") });
    const headers = response.headers();
    expect(headers["www-authenticate"]).toContain("Bearer");
    expect(headers["cache-control"]).toBe("no-store");
    expect(headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
  }
});

test("a signed-in browser session is no key to the CDS Hooks service", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const response = await page.request.post("/cds-services/patient-view", { data: { hook: "patient-view", hookInstance: "x", context: { patientId: "1" } } });
  expect(response.status()).toBe(401);
});
