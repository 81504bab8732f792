import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { HOME_BY_ROLE } from "@/lib/data/access/roles";
import { LoginForm } from "./login-form";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await getActor();
  if (actor) redirect(HOME_BY_ROLE[actor.role]);
  const params = await searchParams;
  const reason = params.reason === "idle" ? "You were signed out after a period of inactivity. Sign in again to continue." : null;
  return (
    <main className="login-shell">
      <div className="card login-card">
        <h1>Sarcopenia screening</h1>
        <p className="muted">Sign in with your clinic account.</p>
        {reason ? <p role="status">{reason}</p> : null}
        <LoginForm />
      </div>
    </main>
  );
}
