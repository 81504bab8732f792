import { CompleteSmartSignIn } from "./complete-sign-in";

export const metadata = { title: "Opening the patient" };

/** The last step of a SMART launch: the browser redeems its one-time ticket (lib/auth/smart-ticket.ts) and opens the patient. */
export default function CompleteSmartLaunchPage() {
  return (
    <main className="login-shell">
      <div className="card login-card">
        <h1>Sarcopenia screening</h1>
        <CompleteSmartSignIn />
      </div>
    </main>
  );
}
