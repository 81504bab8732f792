import { expect, test } from "./fixtures";
import { signIn } from "./support";

/**
 * The FHIR Bulk Data export over HTTP: the manifest lists each resource type with its count and
 * a link; the Observation link streams exactly that many NDJSON lines, each an Observation. An
 * unknown cohort value is refused in words; an analyst (de-identified exports only) gets 403.
 */

interface Manifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: boolean;
  output: { type: string; url: string; count: number }[];
}

/** The manifest's absolute URL as a path on the server under test (NEXTAUTH_URL may differ). */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

test("a clinician's manifest counts match the NDJSON it links to", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, "clinician@demo.clinic");

  const all = await page.request.get("/api/export/fhir");
  expect(all.status()).toBe(200);
  expect(all.headers()["content-type"]).toContain("application/json");
  const everyone = (await all.json()) as Manifest;
  expect(everyone.requiresAccessToken).toBe(true);
  expect(everyone.output.map((o) => o.type)).toEqual(expect.arrayContaining(["Patient", "Observation"]));
  const patients = everyone.output.find((o) => o.type === "Patient")!;
  expect(patients.count).toBeGreaterThanOrEqual(1000);

  // One tier keeps the stream small; the manifest and the stream use the same cohort.
  const manifest = (await (await page.request.get("/api/export/fhir?tier=high")).json()) as Manifest;
  const observations = manifest.output.find((o) => o.type === "Observation")!;
  expect(observations.count).toBeGreaterThan(0);
  expect(observations.count).toBeLessThan(everyone.output.find((o) => o.type === "Observation")!.count);
  expect(observations.url).toContain("/api/export/fhir/Observation?tier=high");

  const ndjson = await page.request.get(pathOf(observations.url));
  expect(ndjson.status()).toBe(200);
  expect(ndjson.headers()["content-type"]).toBe("application/fhir+ndjson");
  const lines = (await ndjson.text()).split("\n").filter((line) => line !== "");
  expect(lines).toHaveLength(observations.count);
  const subjects = new Set<string>();
  for (const line of lines) {
    const resource = JSON.parse(line) as { resourceType: string; subject?: { reference?: string } };
    expect(resource.resourceType).toBe("Observation");
    if (resource.subject?.reference) subjects.add(resource.subject.reference);
  }
  expect(subjects.size).toBeLessThanOrEqual(manifest.output.find((o) => o.type === "Patient")!.count);

  const typo = await page.request.get("/api/export/fhir?tier=hgih");
  expect(typo.status()).toBe(422);
  expect(((await typo.json()) as { message: string }).message).toContain('"hgih" is not a tier');
  expect((await page.request.get("/api/export/fhir/Nonsense")).status()).toBe(404);
});

test("an analyst may not export identified FHIR", async ({ page }) => {
  await signIn(page, "analyst@demo.clinic");
  for (const path of ["/api/export/fhir", "/api/export/fhir/Observation"]) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(403);
  }
});
