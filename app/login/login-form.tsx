"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

/** "1 minute", "25 minutes", "about 2 hours" (the wait grows after repeated lock-outs, up to a day). */
function waitFor(minutes: number): string {
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 60);
  return `about ${hours} hour${hours === 1 ? "" : "s"}`;
}

/** Turns next-auth's error code into a sentence. Wrong email and wrong password read the same. */
function messageFor(error: string): string {
  const locked = /^locked:(\d+)$/.exec(error);
  if (locked) return `Too many failed sign-ins from this network. Wait ${waitFor(Number(locked[1]))} and try again, or ask an administrator.`;
  if (error === "CredentialsSignin") return "Email or password is incorrect. Check both and try again.";
  return "Sign-in failed. Try again in a moment.";
}

export function LoginForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("credentials", { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? ""), redirect: false });
    setPending(false);
    if (!result || result.error) {
      setError(messageFor(result?.error ?? ""));
      return;
    }
    router.replace("/");
    router.refresh();
  }

  return (
    <form onSubmit={submit} noValidate>
      {error ? (
        <div className="form-error" role="alert" id="login-error">
          {error}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required autoFocus aria-describedby={error ? "login-error" : undefined} />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <button type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
