import { expect, test } from "@playwright/test";
import { signIn } from "./support";

test("a clinician reads the thresholds with their sources but may not edit them", async ({ page }) => {
  await signIn(page, "clinician@demo.clinic");
  await page.getByRole("link", { name: "Thresholds" }).click();
  await expect(page.getByRole("heading", { name: "About these thresholds" })).toBeVisible();
  const gripWomen = page.getByRole("row", { name: /Low strength: grip, women/ }).first();
  await expect(gripWomen).toContainText("16 kg");
  await expect(gripWomen).toContainText("Cruz-Jentoft");
  await expect(page.getByRole("row", { name: /MMA confirms deficiency above/ })).toContainText("unconfirmed");
  await expect(page.getByRole("link", { name: /Edit thresholds/ })).toHaveCount(0);
  await page.goto("/thresholds/edit");
  await expect(page).toHaveURL(/\/forbidden$/);
});

test("an admin saves a new threshold version, sees a clear error first, and re-evaluates everyone with progress", async ({ page }) => {
  await signIn(page, "admin@demo.clinic");
  await page.goto("/thresholds/edit");
  const womenGrip = page.getByLabel(/^Low strength: grip, women/).first();
  await womenGrip.fill("sixteen");
  await page.getByLabel("Reason for the change").fill("Local dynamometer calibration");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByText("Some values need attention; nothing was saved.")).toBeVisible();
  await expect(page.getByText(/Enter a number in kg/)).toBeVisible();
  await expect(page.getByLabel("Reason for the change")).toHaveValue("Local dynamometer calibration");

  await womenGrip.fill("17");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page).toHaveURL(/\/thresholds\?saved=2/);
  await expect(page.getByRole("row", { name: /Local dynamometer calibration/ })).toContainText("2 (in force)");

  await page.getByRole("button", { name: "Recompute now" }).click();
  await expect(page.getByText(/Last run completed: 1,0\d\d of 1,0\d\d patients/)).toBeVisible({ timeout: 60_000 });
});
