import { expect, test } from "./fixtures";
import { cli, cliWithInput, signIn } from "./support";

test("without a session, a page redirects to sign-in and a route handler answers 401", async ({ request }) => {
  const page = await request.get("/patients", { maxRedirects: 0 });
  expect(page.status()).toBe(307);
  expect(page.headers()["location"]).toContain("/login");
  const api = await request.get("/api/patients");
  expect(api.status()).toBe(401);
  expect(await api.json()).toMatchObject({ error: "unauthenticated" });
});

test("a revoked session is refused by the page, the route handler and the server action themselves", async ({ page, context }) => {
  const email = `revoked-${Date.now()}@demo.clinic`;
  const password = "a-temporary-password-123";
  cliWithInput(password, "users", "add", "--email", email, "--name", "Temp Clinician", "--role", "clinician", "--password-stdin");
  await signIn(page, email, password);
  await expect(page.getByText("Showing 1–25 of 1,000 patients")).toBeVisible();

  // Disabling the user revokes their sessions on the server; the session cookie stays valid, so
  // the proxy lets requests through and each endpoint must refuse them itself.
  cli("users", "disable", email);

  await page.getByLabel("Save this view as").fill("should not be saved");
  await page.getByRole("button", { name: "Save view" }).click();
  await expect(page.getByText("Sign in to continue.")).toBeVisible();

  const api = await context.request.get("/api/patients");
  expect(api.status()).toBe(401);

  await page.reload();
  await expect(page).toHaveURL(/\/login/);
});
