import type { IncomingHttpHeaders } from "node:http";
import { request as httpRequest } from "node:http";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "./fixtures";
import { cliWithInput, signIn } from "./support";

/**
 * Sign-in and session trust over real HTTP against the production server (server.mjs):
 * signing out ends the session on the server; a server action without Origin is refused and
 * writes nothing; the sign-in throttle keys on the socket's address, not on headers a client
 * chooses.
 */

test("a session cookie copied before sign-out is refused afterwards, by the API, the pages and the session endpoint", async ({ page, context, baseURL }) => {
  await signIn(page, "clinician@demo.clinic");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "next-auth.session-token");
  expect(session).toBeDefined();
  const copied = `${session!.name}=${session!.value}`;

  // The copy works while the session is open.
  const attacker: APIRequestContext = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { Cookie: copied } });
  try {
    expect((await attacker.get("/api/patients?size=5")).status()).toBe(200);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);

    const api = await attacker.get("/api/patients?size=5");
    expect(api.status()).toBe(401);
    const patients = await attacker.get("/patients", { maxRedirects: 0 });
    expect(patients.status()).toBe(307);
    expect(patients.headers()["location"]).toContain("/login");
    // Nor can the copy be renewed: the session endpoint answers "no session" and clears the cookie.
    const renewal = await attacker.get("/api/auth/session");
    expect(await renewal.json()).toEqual({});
    expect(renewal.headers()["set-cookie"] ?? "").toMatch(/next-auth\.session-token=;/);
  } finally {
    await attacker.dispose();
  }
});

test("a server action request without Origin is refused and writes nothing; the same request with this site's Origin is accepted", async ({ page, baseURL }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.goto("/patients?tier=high");
  const name = `origin-check-${Date.now()}`;

  // Capture the browser's own server-action request for "Save view", and stop it there.
  let captured: { url: string; headers: Record<string, string>; body: Buffer } | undefined;
  await page.route("**/patients**", async (route) => {
    const request = route.request();
    if (request.method() === "POST" && request.headers()["next-action"]) {
      captured = { url: request.url(), headers: request.headers(), body: request.postDataBuffer() ?? Buffer.alloc(0) };
      await route.abort();
      return;
    }
    await route.continue();
  });
  await page.getByLabel("Save this view as").fill(name);
  await page.getByRole("button", { name: "Save view" }).click();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unroute("**/patients**");
  expect(captured!.headers["origin"]).toBe(baseURL);

  const { origin: _origin, referer: _referer, "sec-fetch-site": _site, "sec-fetch-mode": _mode, "sec-fetch-dest": _dest, ...withoutOrigin } = captured!.headers;
  const refused = await page.request.post(captured!.url, { headers: withoutOrigin, data: captured!.body });
  expect(await refused.text()).toContain("This request did not come from this site's pages.");
  await page.reload();
  await expect(page.getByRole("navigation", { name: "Saved views" })).toBeVisible();
  await expect(page.getByRole("link", { name })).toHaveCount(0);

  // The replay itself is sound: with this site's Origin the very same request saves the view.
  const accepted = await page.request.post(captured!.url, { headers: { ...withoutOrigin, origin: baseURL! }, data: captured!.body });
  expect(accepted.ok()).toBe(true);
  await page.reload();
  await expect(page.getByRole("link", { name })).toHaveCount(1);
});

/** A sign-in through next-auth's credentials flow over plain HTTP from a chosen local (source) address. */
async function signInFrom(base: string, localAddress: string, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const send = (path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const request = httpRequest(`${base}${path}`, { method: options.method ?? "GET", headers: options.headers, localAddress }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ headers: response.headers, body }));
      });
      request.on("error", reject);
      request.end(options.body);
    });
  const csrf = await send("/api/auth/csrf");
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const cookie = (csrf.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const callback = await send("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie, Origin: base, ...headers },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }).toString(),
  });
  return (JSON.parse(callback.body) as { url: string }).url;
}

test("the sign-in throttle counts the socket's address: forged headers neither escape it nor lock the account out for another address", async ({ baseURL }) => {
  const email = `throttle-${Date.now()}@demo.clinic`;
  const password = "a-temporary-password-456";
  cliWithInput(password, "users", "add", "--email", email, "--name", "Throttle Check", "--role", "analyst", "--password-stdin");
  // From 127.0.0.1, five wrong passwords, each claiming another address in X-Forwarded-For and in
  // the server's private peer header (which server.mjs overwrites with the socket's address).
  const forged = (i: number) => ({ "X-Forwarded-For": `198.51.100.${i}`, "X-Sarcopenia-Peer-Address": `203.0.113.${i}` });
  for (let i = 0; i < 5; i++) expect(await signInFrom(baseURL!, "127.0.0.1", email, `wrong password ${i}`, forged(i))).toContain("error=CredentialsSignin");
  // A sixth from the same socket address, right password and yet another claimed address: refused unchecked.
  expect(await signInFrom(baseURL!, "127.0.0.1", email, password, forged(99))).toContain("error=locked");
  // The account is not locked for everyone: its owner, from another address (127.0.0.2), signs in.
  expect(await signInFrom(baseURL!, "127.0.0.2", email, password)).not.toContain("error=");
});
