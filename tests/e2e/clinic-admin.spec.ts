import { expect, test, type Page } from "./fixtures";
import { signIn } from "./support";
import { FLAG_LABELS } from "../../lib/domain/labels";

/**
 * Running the clinic from the app (docs/design.md#patients-and-users-in-the-app), in the e2e
 * database's second clinic ("other"), so the demo clinic's counts that other specs read stay as
 * seeded: a clinician registers a patient (a taken MRN is refused beside the field, nothing typed
 * lost) and edits the diet, and the B12 flag follows; an analyst cannot reach the form; an admin
 * adds a user, who signs in in a second browser context, and disables them: that open session
 * ends at its next request.
 */

const B12_TEST = FLAG_LABELS.b12_test_due;

async function status(page: Page): Promise<string> {
  const region = page.locator(".change-notice");
  await expect(region).not.toBeEmpty();
  return (await region.textContent()) ?? "";
}

test("a clinician registers a patient, a taken MRN is refused with the patient who has it, and editing the diet raises and ends the B12 flag", async ({ page }) => {
  const mrn = `E2E-${Date.now().toString(36).toUpperCase()}`;
  await signIn(page, "clinician@other.clinic");
  // Users are an admin's: no link for a clinician.
  await expect(page.getByRole("link", { name: "Users", exact: true })).toHaveCount(0);
  await page.getByRole("link", { name: "New patient" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New patient" })).toBeVisible();

  // Errors sit beside their fields, and what was typed stays.
  await page.getByLabel("MRN (medical record number)").fill(mrn);
  await page.getByLabel("Family name").fill("Okafor");
  await page.getByRole("button", { name: "Register patient" }).click();
  await expect(page.locator("#pd-given-error")).toHaveText("Enter the given name.");
  await expect(page.locator("#pd-birth-error")).toContainText("Enter the birth date");
  await expect(page.getByLabel("MRN (medical record number)")).toHaveValue(mrn);
  await expect(page.getByLabel("Family name")).toHaveValue("Okafor");

  await page.getByLabel("Given name").fill("Ada");
  await page.getByLabel("Birth date").fill("1976-05-04");
  await page.getByLabel("Sex").selectOption("female");
  await page.getByLabel("Diet", { exact: true }).selectOption("omnivore");
  await page.getByRole("button", { name: "Register patient" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Okafor, Ada" })).toBeVisible();
  expect(await status(page)).toContain("Patient registered.");
  const patientUrl = page.url().split("?")[0]!;

  // The same MRN again: refused beside the MRN, naming the patient, the form as typed.
  await page.goto("/patients/new");
  await page.getByLabel("MRN (medical record number)").fill(mrn);
  await page.getByLabel("Family name").fill("Someone");
  await page.getByLabel("Given name").fill("Else");
  await page.getByLabel("Birth date").fill("1980-01-01");
  await page.getByLabel("Sex").selectOption("male");
  await page.getByRole("button", { name: "Register patient" }).click();
  await expect(page.locator("#np-mrn-error")).toContainText(`MRN ${mrn} is already used by Okafor, Ada (born 1976-05-04)`);
  await expect(page.getByLabel("MRN (medical record number)")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Given name")).toHaveValue("Else");

  // Vegan: a B12 risk factor, so the flag opens at once; omnivore again: it closes.
  await page.goto(patientUrl);
  await page.getByRole("link", { name: "Edit details and diet" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Edit details: Okafor, Ada" })).toBeVisible();
  await page.getByLabel("Diet", { exact: true }).selectOption("vegan");
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Okafor, Ada" })).toBeVisible();
  let notice = await status(page);
  expect(notice).toContain("Details saved.");
  expect(notice).toContain(`Flags opened: ${B12_TEST}.`);
  await expect(page.locator(".facts")).toContainText("Vegan");

  await page.getByRole("link", { name: "Edit details and diet" }).click();
  await page.getByLabel("Diet", { exact: true }).selectOption("omnivore");
  await page.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Okafor, Ada" })).toBeVisible();
  notice = await status(page);
  expect(notice).toContain("Details saved.");
  expect(notice).toContain(`Flags closed: ${B12_TEST}.`);
});

test("an analyst is refused the new-patient form and the Users page", async ({ page }) => {
  await signIn(page, "analyst@other.clinic");
  await page.goto("/patients/new");
  await expect(page).toHaveURL(/\/forbidden/);
  await page.goto("/users");
  await expect(page).toHaveURL(/\/forbidden/);
});

test("an admin adds a user, who signs in elsewhere; disabling them ends that open session at its next request", async ({ page, browser }) => {
  const email = `nurse-${Date.now().toString(36)}@other.clinic`;
  await signIn(page, "admin@other.clinic");
  await page.getByRole("link", { name: "Users" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name", { exact: true }).fill("Nurse Nkem");
  await page.getByLabel("Role", { exact: true }).selectOption("clinician");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Added ${email} as clinician.` })).toBeVisible();
  const password = (await page.getByTestId("one-time-password").textContent())!;
  expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toContainText("Active");

  // The new user signs in in a browser of their own.
  const theirs = await browser.newContext();
  const nurse = await theirs.newPage();
  await signIn(nurse, email, password);
  await nurse.goto("/patients");
  await expect(nurse.getByRole("heading", { level: 1, name: "Patients" })).toBeVisible();

  await row.getByText("Disable…").click();
  await row.getByRole("button", { name: `Yes, disable ${email}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Disabled ${email}; 1 open session ended.` })).toBeVisible();
  await expect(page.locator(`tr[data-email="${email}"]`)).toContainText("Disabled");

  // Their open session is refused at its next request, and they cannot sign in again.
  await nurse.goto("/patients");
  await expect(nurse).toHaveURL(/\/login/);
  await nurse.getByLabel("Email").fill(email);
  await nurse.getByLabel("Password").fill(password);
  await nurse.getByRole("button", { name: "Sign in" }).click();
  await expect(nurse).toHaveURL(/\/login/);
  await expect(nurse.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  await theirs.close();
});
