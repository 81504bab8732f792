import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
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

test("the sign-in throttle counts the socket's address: rotating X-Forwarded-For or the server's private header does not escape it", async ({ baseURL }) => {
  const email = `throttle-${Date.now()}@demo.clinic`;
  const password = "a-temporary-password-456";
  cliWithInput(password, "users", "add", "--email", email, "--name", "Throttle Check", "--role", "analyst", "--password-stdin");
  const client = await playwrightRequest.newContext({ baseURL });
  try {
    const attempt = async (typed: string, spoofed: number) => {
      const { csrfToken } = (await (await client.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const response = await client.post("/api/auth/callback/credentials", {
        headers: { Origin: baseURL!, "X-Forwarded-For": `198.51.100.${spoofed}`, "X-Sarcopenia-Peer-Address": `203.0.113.${spoofed}` },
        form: { csrfToken, email, password: typed, json: "true" },
        maxRedirects: 0,
      });
      return ((await response.json()) as { url: string }).url;
    };
    for (let i = 0; i < 5; i++) expect(await attempt(`wrong password ${i}`, i)).toContain("error=CredentialsSignin");
    // The sixth, with the right password and yet another made-up address, is refused unchecked.
    expect(await attempt(password, 99)).toContain("error=locked");
  } finally {
    await client.dispose();
  }
});
