import Link from "next/link";

export const metadata = { title: "Not allowed" };

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
