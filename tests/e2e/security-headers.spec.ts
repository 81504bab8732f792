import { request as httpRequest } from "node:http";
import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";

/**
 * Response headers over real HTTP against the production build, and the pages still working in
 * Chromium under the nonce-based Content-Security-Policy (proxy.ts, lib/http/security-headers.ts):
 * no CSP violation reported, React hydrated. Plus the upload limit against a chunked body.
 */

/** Records every CSP violation the page reports, from before its first script runs. */
async function watchCsp(page: Page): Promise<string[]> {
  const console: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective} ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`));
  });
  return console;
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** React attached itself to the page: its scripts ran under the policy. */
async function hydrated(page: Page): Promise<boolean> {
  // Hydration may finish a moment after navigation resolves (the page's scripts load async), so
  // wait for it a while; a page whose scripts the policy blocked never hydrates and answers false.
  return page
    .waitForFunction(() => [...document.querySelectorAll("button, input, a")].some((el) => Object.keys(el).some((key) => key.startsWith("__react"))), undefined, { timeout: 10_000 })
    .then(
      () => true,
      () => false,
    );
}

function scriptSrc(policy: string): string {
  return policy.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src")) ?? "";
}

test("pages carry a nonce-based policy without 'unsafe-inline' for scripts, a fresh nonce each time, no-store, and no HSTS over http", async ({ request }) => {
  const first = await request.get("/login");
  const second = await request.get("/login");
  expect(first.status()).toBe(200);
  const policy = first.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(policy)?.[1];
  expect(nonce, policy).toBeDefined();
  expect(nonce!.length).toBeGreaterThanOrEqual(22);
  expect(scriptSrc(policy)).not.toContain("'unsafe-inline'");
  expect(scriptSrc(policy)).not.toContain("'unsafe-eval'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("object-src 'none'");
  expect(second.headers()["content-security-policy"]).not.toBe(policy);
  // Every script in the page carries this response's nonce.
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
  expect(first.headers()["cache-control"]).toContain("no-store");
  // The e2e server's public URL is http: HSTS would be ignored there, and is not sent.
  expect(first.headers()["strict-transport-security"]).toBeUndefined();
  expect(policy).not.toContain("upgrade-insecure-requests");
  expect(first.headers()["x-frame-options"]).toBe("DENY");
  expect(first.headers()["x-content-type-options"]).toBe("nosniff");
  // The "not allowed" page and an unknown address render per request too, with their own nonce.
  for (const path of ["/forbidden", "/no-such-page"]) {
    const response = await request.get(path);
    const pagePolicy = response.headers()["content-security-policy"] ?? "";
    const pageNonce = /'nonce-([^']+)'/.exec(pagePolicy)?.[1];
    expect(pageNonce, path).toBeDefined();
    for (const m of (await response.text()).matchAll(/<script\b[^>]*>/g)) expect(m[0], path).toContain(`nonce="${pageNonce}"`);
  }
});

test("every API answer with patient data is no-store and allows nothing to load", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const { rows: patients } = (await (await page.request.get("/api/patients")).json()) as { rows: { id: string }[] };
  for (const path of ["/api/patients", "/api/patients?c1.field=sex&c1.op=is&c1.value=constructor", "/api/export/cohort", "/api/export/summary", "/api/export/fhir", "/api/import/assessments", "/api/import/fhir", "/api/import/template", "/api/auth/session", "/api/export/deidentified"]) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBeLessThan(500);
    expect(response.headers()["cache-control"], path).toContain("no-store");
    expect(response.headers()["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
  }
  // A patient page, too, is never stored.
  const patientPage = await page.request.get(`/patients/${patients[0]!.id}`);
  expect(patientPage.headers()["cache-control"]).toContain("no-store");
});

test("the panel, a patient, the summary charts and the import page work under the policy with no violation", async ({ page }) => {
  const consoleViolations = await watchCsp(page);
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients");
  await page.getByRole("table").locator("tbody tr").first().getByRole("link").click();
  await expect(page.getByRole("figure", { name: /Grip strength/ }).locator("svg[role='img']").first()).toBeVisible();
  expect(await hydrated(page)).toBe(true);
  expect(await violations(page)).toEqual([]);

  // The patient's forms (their validation runs in the page too).
  const patientUrl = page.url();
  for (const sub of ["/assess", "/medicines"]) {
    await page.goto(patientUrl + sub);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await hydrated(page), sub).toBe(true);
    expect(await violations(page), sub).toEqual([]);
  }

  await page.goto("/summary");
  const tiers = page.getByRole("figure", { name: "Risk tier" });
  await expect(tiers.locator(".recharts-bar-rectangle").first()).toBeVisible();
  expect(await hydrated(page)).toBe(true);
  expect(await violations(page)).toEqual([]);

  await page.goto("/import");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  expect(await hydrated(page)).toBe(true);
  // Client-side work under the policy: choosing a workbook is refused at once, by the page's script.
  const spreadsheet = page.getByRole("region", { name: "Assessment spreadsheet (CSV)" });
  await spreadsheet.locator("input[type=file]").setInputFiles({ name: "visits.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: Buffer.from("PK") });
  await expect(spreadsheet.getByText(/is a spreadsheet workbook, not CSV/)).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await page.goto("/patients");
  expect(await hydrated(page)).toBe(true);
  expect(await violations(page)).toEqual([]);
  expect(consoleViolations).toEqual([]);
});

test("a page given a query value named like a prototype property still renders", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  const { rows: patients } = (await (await page.request.get("/api/patients")).json()) as { rows: { id: string }[] };
  for (const done of ["constructor", "__proto__", "toString"]) {
    const response = await page.goto(`/patients/${patients[0]!.id}/observations?done=${done}`);
    expect(response?.status(), done).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  }
});

test("a chunked upload over 50 MB (no Content-Length) is refused with 413 and a clear message; nothing is written", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await signIn(page, "clinician@demo.clinic");
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const imports = async () => ((await (await page.request.get("/api/import/assessments")).json()) as { imports: unknown[] }).imports.length;
  const before = await imports();
  const boundary = "----e2e-chunked";
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="mode"\r\n\r\npreview\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nmrn,family_name\r\n`);
  const chunk = Buffer.from("BIG-1,Doe\r\n".repeat(6000));
  const answer = await new Promise<{ status: number; body: string; sentBytes: number; declared: string | undefined }>((resolve, reject) => {
    const req = httpRequest(new URL("/api/import/assessments", baseURL), {
      method: "POST",
      headers: { cookie, origin: baseURL!, "content-type": `multipart/form-data; boundary=${boundary}`, "transfer-encoding": "chunked" },
    });
    let sentBytes = 0;
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentBytes, declared: req.getHeader("content-length") as string | undefined }));
    });
    req.on("error", reject);
    req.write(head);
    const pump = () => {
      // Up to 200 MB; the server should answer long before.
      while (!answered && sentBytes < 200 * 1024 * 1024) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end(answered ? undefined : `\r\n--${boundary}--\r\n`);
    };
    pump();
  });
  expect(answer.declared).toBeUndefined();
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.body)).toEqual({ error: "too_large", message: "The upload is larger than 50.0 MB. Split the file, or import it with the command line." });
  // The server stopped reading at the limit: it answered before the client had sent 200 MB.
  expect(answer.sentBytes).toBeLessThan(150 * 1024 * 1024);
  expect(await imports()).toBe(before);
});
