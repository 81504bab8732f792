import type { Role } from "@/lib/data/access/roles";

/**
 * The demo clinic's slug and sign-in details. Constants only (no database, no Prisma), so the CLI
 * reads them for its defaults and `demo-logins` without loading the seeding code.
 */
export const DEMO_CLINIC_SLUG = "demo";
export const DEMO_PASSWORD = "sarcopenia-demo-2026";
/** One user per role; the demo clinic's are admin@demo.clinic, clinician@demo.clinic, analyst@demo.clinic. */
export function seedUsers(slug: string): { email: string; name: string; role: Role }[] {
  return [
    { email: `admin@${slug}.clinic`, name: "Alex Admin", role: "admin" },
    { email: `clinician@${slug}.clinic`, name: "Dr Casey Clinician", role: "clinician" },
    { email: `analyst@${slug}.clinic`, name: "Avery Analyst", role: "analyst" },
  ];
}
export const DEMO_USERS = seedUsers(DEMO_CLINIC_SLUG);
