import { expect, test } from "./fixtures";
import { signIn } from "./support";

/**
 * "Who has seen or changed this record" is offered only to those the access page admits: the
 * attributed clinician and admins. A clinician on a colleague's patient gets no link (it would
 * lead to /forbidden). An admin finds their own sign-in on the audit page.
 */

interface PanelRow {
  id: string;
  familyName: string;
  givenName: string;
  clinicianName: string | null;
}

const LINK = "Who has seen or changed this record";

test("the access link shows for the attributed clinician and an admin, not for another clinician", async ({ browser }) => {
  const clinician = await (await browser.newContext()).newPage();
  await signIn(clinician, "clinician@demo.clinic");
  const mine = (await (await clinician.request.get("/api/patients?mine=1&sort=name")).json()).rows as PanelRow[];
  const own = mine[0]!;
  const all = (await (await clinician.request.get("/api/patients?sort=name&size=100")).json()).rows as PanelRow[];
  const colleagues = all.find((row) => row.clinicianName !== own.clinicianName);
  expect(colleagues, "the demo clinic has patients attributed to someone else").toBeDefined();

  await clinician.goto(`/patients/${own.id}`);
  await expect(clinician.getByRole("heading", { level: 1, name: `${own.familyName}, ${own.givenName}` })).toBeVisible();
  await expect(clinician.getByRole("link", { name: LINK })).toBeVisible();

  await clinician.goto(`/patients/${colleagues!.id}`);
  await expect(clinician.getByRole("heading", { level: 1, name: `${colleagues!.familyName}, ${colleagues!.givenName}` })).toBeVisible();
  await expect(clinician.getByRole("navigation", { name: "Patient actions" }).getByRole("link", { name: "Enter assessment" })).toBeVisible();
  await expect(clinician.getByRole("link", { name: LINK })).toHaveCount(0);
  // The page itself still refuses, as before.
  await clinician.goto(`/patients/${colleagues!.id}/access`);
  await expect(clinician).toHaveURL(/\/forbidden/);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin@demo.clinic");
  await admin.goto(`/patients/${colleagues!.id}`);
  await admin.getByRole("link", { name: LINK }).click();
  await expect(admin.getByRole("heading", { level: 1, name: LINK })).toBeVisible();

  // Sign-ins are audited: the admin's own shows on the audit page, filtered by action.
  await admin.goto("/audit?action=user.login");
  const events = admin.getByRole("table", { name: "Audit events, newest first" });
  await expect(events.locator("tbody tr").filter({ hasText: "admin@demo.clinic" }).first()).toContainText("Signed in");
  await expect(events).toContainText("clinician@demo.clinic");
});
