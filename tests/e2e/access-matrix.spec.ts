import { expect, test, type APIRequestContext, type Browser } from "./fixtures";
import { ATTRIBUTED_CLINICIAN_PAGES, PAGE_ACCESS, ROUTE_HANDLER_ACCESS, type Access } from "@/lib/auth/route-access";
import { can, ROLES, type Role } from "@/lib/data/access/roles";
import { DEMO_PASSWORD } from "./support";

/**
 * The access table (lib/auth/route-access.ts) walked over HTTP against the production build:
 * every page and route handler, signed out, as each role, and with another clinic's ids. The
 * unit test tests/unit/route-access.test.ts ensures the table lists everything in app/.
 */

async function signedInRequest(browser: Browser, email: string): Promise<APIRequestContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.close();
  return context.request;
}

/** A patient id and one of its observation ids, read from the clinic's own pages. */
async function idsOf(request: APIRequestContext): Promise<{ patientId: string; observationId: string }> {
  const panel = await (await request.get("/api/patients?sort=name")).json();
  const patientId: string = panel.rows[0].id;
  const results = await (await request.get(`/patients/${patientId}/observations`)).text();
  const observationId = new RegExp(`/patients/${patientId}/observations/([\\w-]+)`).exec(results)?.[1];
  if (!observationId) throw new Error("no observation link on the results page");
  return { patientId, observationId };
}

function fill(path: string, ids: { patientId: string; observationId: string }): string {
  return path.replace("[id]", ids.patientId).replace("[observationId]", ids.observationId);
}

/** Route handlers' dynamic segments, filled with a value that exists in every clinic. */
const HANDLER_SEGMENTS: Record<string, string> = { "[type]": "Patient" };
const fillHandler = (path: string) => path.replace(/\[\w+\]/g, (segment) => HANDLER_SEGMENTS[segment] ?? segment);

const pages = Object.entries(PAGE_ACCESS) as [string, Access][];
// next-auth's own endpoints, the CDS Hooks service (its JWT, not a session, decides: tests/integration/cds-hooks.int.test.ts)
// and the SMART launch (the EHR identifies the user: tests/e2e/smart-launch.spec.ts).
const handlers = (Object.entries(ROUTE_HANDLER_ACCESS) as [string, Access][]).filter(([path]) => !path.includes("[...nextauth]") && !path.startsWith("/cds-services") && !path.startsWith("/smart/"));
const allowed = (role: Role, access: Access) => access === "public" || access === "signed-in" || (access !== "cds-client" && can(role, access));

test("every page and route handler answers each role, signed-out visitors and other clinics as the table says", async ({ browser, playwright }) => {
  test.setTimeout(180_000);
  const requests = {} as Record<Role, APIRequestContext>;
  for (const role of ROLES) requests[role] = await signedInRequest(browser, `${role}@demo.clinic`);
  const ours = await idsOf(requests.admin);
  const theirs = await idsOf(await signedInRequest(browser, "admin@other.clinic"));
  const anonymous = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });

  for (const [path, access] of pages) {
    const url = fill(path, ours);
    const signedOut = await anonymous.get(url, { maxRedirects: 0 });
    // The "not allowed" page is public, and answers 403 to everyone (app/forbidden/page.tsx).
    if (path === "/forbidden") expect(signedOut.status(), `signed out ${url}`).toBe(403);
    else if (access === "public") expect(signedOut.status(), `signed out ${url}`).toBe(200);
    else {
      expect(signedOut.status(), `signed out ${url}`).toBe(307);
      expect(signedOut.headers()["location"], `signed out ${url}`).toContain("/login");
    }
    const attributedOnly = ATTRIBUTED_CLINICIAN_PAGES[path as keyof typeof ATTRIBUTED_CLINICIAN_PAGES];
    if (attributedOnly) {
      // Admins for any patient; the clinician for their own patients only.
      const panel = await (await requests.admin.get("/api/patients?sort=name&size=100")).json();
      const unattributed: string = panel.rows.find((r: { clinicianName: string | null }) => r.clinicianName === null).id;
      const attributed: string = (await (await requests.clinician.get("/api/patients?mine=1&sort=name")).json()).rows[0].id;
      for (const role of ROLES) {
        for (const [patientId, isTheirs] of [[unattributed, false], [attributed, true]] as const) {
          const response = await requests[role].get(path.replace("[id]", patientId), { maxRedirects: 0 });
          const admitted = can(role, attributedOnly) || (allowed(role, access) && role === "clinician" && isTheirs);
          expect(response.status(), `${role} ${path} (own patient: ${isTheirs})`).toBe(admitted ? 200 : 307);
          if (!admitted) expect(response.headers()["location"], `${role} ${path}`).toContain("/forbidden");
        }
      }
    }
    for (const role of ROLES) {
      if (attributedOnly) continue;
      const response = await requests[role].get(url, { maxRedirects: 0 });
      if (path === "/forbidden") {
        expect(response.status(), `${role} ${url}`).toBe(403);
      } else if (access === "public" || access === "signed-in") {
        // Sign-in and the start page send a signed-in user on to their role's start page.
        expect([200, 307], `${role} ${url}`).toContain(response.status());
      } else if (allowed(role, access)) {
        expect(response.status(), `${role} ${url}`).toBe(200);
      } else {
        expect(response.status(), `${role} ${url}`).toBe(307);
        expect(response.headers()["location"], `${role} ${url}`).toContain("/forbidden");
      }
    }
    if (path.includes("[id]")) {
      // Another clinic's patient (and observation) is "not found", never shown.
      for (const role of ROLES.filter((r) => allowed(r, access))) {
        const foreign = await requests[role].get(fill(path, theirs), { maxRedirects: 0 });
        expect(foreign.status(), `${role} other clinic ${path}`).toBe(404);
      }
    }
  }

  for (const [template, access] of handlers) {
    const path = fillHandler(template);
    const signedOut = await anonymous.get(path);
    expect(signedOut.status(), `signed out ${path}`).toBe(401);
    for (const role of ROLES) {
      const response = await requests[role].get(path);
      expect(response.status(), `${role} ${path}`).toBe(allowed(role, access) ? 200 : 403);
    }
  }

  // Exports and the panel API carry only the actor's own clinic.
  const csv = await (await requests.clinician.get("/api/export/cohort")).text();
  expect(csv.split("\n").filter((line) => line.trim()).length).toBe(1001);
  const panel = await (await requests.clinician.get(`/api/patients?q=${encodeURIComponent(theirs.patientId)}`)).json();
  expect(panel.total).toBe(0);
});
