import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { can } from "@/lib/data/access/roles";
import { env } from "@/lib/config/env";
import { IdleSession } from "@/components/idle-session";
import { NavLinks } from "@/components/nav-links";
import { SignOutButton } from "@/components/sign-out-button";
import { SearchShortcut } from "@/components/search-shortcut";

/** The signed-in shell. Each page below still checks its own permission (the layout is not a guard). */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const actor = await getActor();
  if (!actor) redirect("/login");
  const links = [
    ...(can(actor.role, "panel:view") ? [{ href: "/patients", label: "Patients" }] : []),
    ...(can(actor.role, "summary:view") ? [{ href: "/summary", label: "Summary" }] : []),
    ...(can(actor.role, "import:run") ? [{ href: "/import", label: "Import" }] : []),
    ...(can(actor.role, "thresholds:view") ? [{ href: "/thresholds", label: "Thresholds" }] : []),
    ...(can(actor.role, "audit:view") ? [{ href: "/audit", label: "Audit" }] : []),
    ...(can(actor.role, "users:manage") ? [{ href: "/users", label: "Users" }, { href: "/ehr", label: "EHR" }] : []),
    { href: "/help", label: "Help" },
  ];
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="app-header">
        <span className="brand">Sarcopenia screening</span>
        <NavLinks links={links} who={`${actor.name} (${actor.role})`} />
        <div className="who">
          <span className="who-name">
            {actor.name} <span className="badge">{actor.role}</span>
          </span>
          <SignOutButton />
        </div>
      </header>
      <main id="main" className="app-main" tabIndex={-1}>
        {children}
      </main>
      <IdleSession idleMinutes={env().SESSION_IDLE_MINUTES} />
      <SearchShortcut />
    </>
  );
}
