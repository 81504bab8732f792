import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db";
import { findUserForLogin, recordRefusedSignIn, recordSignIn } from "@/lib/data/users";
import { clearFailures, lockedUntil, recordFailure } from "@/lib/data/login-throttle";
import { verifyPassword } from "./password";

/** Shown for an unknown email, a wrong password and a disabled account alike (no account probing). */
export const LOGIN_FAILED = "CredentialsSignin";
/** Error code prefix for a lock-out; the sign-in page turns it into a sentence. */
export const LOGIN_LOCKED = "locked";

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(256) });

function clientAddress(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  return first || "local";
}

export function authOptions(): NextAuthOptions {
  const settings = env();
  const idleSeconds = settings.SESSION_IDLE_MINUTES * 60;
  const policy = { maxFailures: settings.LOGIN_MAX_FAILURES, windowMinutes: settings.LOGIN_WINDOW_MINUTES };
  return {
    secret: settings.NEXTAUTH_SECRET,
    // The JWT (and its cookie) expire after the idle period; any request from an active page
    // re-issues it (components/idle-session.tsx), so only inactivity signs a user out.
    session: { strategy: "jwt", maxAge: idleSeconds, updateAge: 0 },
    jwt: { maxAge: idleSeconds },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const db = getDb();
          const now = new Date();
          const email = parsed.data.email.toLowerCase();
          const address = clientAddress(req?.headers);
          const keys = [`account:${email}`, `address:${address}`];
          const locked = await lockedUntil(db, keys, now);
          if (locked) throw new Error(`${LOGIN_LOCKED}:${Math.max(1, Math.ceil((locked.getTime() - now.getTime()) / 60_000))}`);
          const user = await findUserForLogin(db, email);
          const valid = user !== null && user.disabledAt === null && (await verifyPassword(user.passwordHash, parsed.data.password));
          if (!valid || !user) {
            await recordFailure(db, keys, now, policy);
            if (user) await recordRefusedSignIn(db, user, user.disabledAt === null ? "wrong_password" : "disabled", address, now);
            return null;
          }
          await clearFailures(db, keys);
          await recordSignIn(db, user, address, now);
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sv = user.sessionVersion;
          token.loginAt = Date.now();
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, uid: token.uid ?? "", sv: token.sv ?? -1, loginAt: token.loginAt ?? 0 };
      },
    },
  };
}
