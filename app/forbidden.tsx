import Link from "next/link";

/**
 * What `forbidden()` renders, with HTTP 403 (next.config.js `experimental.authInterrupts`): the
 * "not allowed" page that requirePageActor sends a signed-in user without the permission to.
 */
export default function Forbidden() {
  return (
    <main className="login-shell">
      <div className="card login-card">
        <h1>Not allowed</h1>
        <p>Your role does not give access to that page. If you need it, ask your clinic&apos;s administrator.</p>
        <p><Link href="/">Go to your start page</Link></p>
      </div>
    </main>
  );
}
