import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { after } from "next/server";
import { z } from "zod";
import { env } from "@/lib/config/env";
import { getDb } from "@/lib/data/db/client";
import { isSessionLive, revokeSession } from "@/lib/data/auth/sessions";
import { ClientAddressUnavailable, clientAddressOf, type HeaderSource } from "./client-address";
import { verifyPassword } from "@/lib/data/auth/password";
import { attemptSignIn } from "./sign-in";
import { signInWithTicket } from "./smart-ticket";
import { framedSessionCookies } from "./cookies";

/** Shown for an unknown email, a wrong password and a disabled account alike (no account probing). */
export const LOGIN_FAILED = "CredentialsSignin";
/** Error code prefix for a lock-out; the sign-in page turns it into a sentence. */
export const LOGIN_LOCKED = "locked";

/** Thrown while renewing the cookie of a session that has ended; logged as one line, not a stack. */
class SessionEnded extends Error {
  constructor() {
    super("The session has ended (signed out, user disabled or expired).");
    this.name = "SessionEnded";
  }
}

/**
 * Runs a refused sign-in's audit write once the answer has been sent (Next's `after`), so the
 * answer for an email with an account is not slower than for one without: on SQLite even an
 * un-awaited write would hold the one thread before the response goes out. Outside a request
 * (authorize called directly, as the integration tests do) it starts at once.
 */
function afterTheAnswer(write: () => Promise<void>): void {
  const run = () => write().catch((error: unknown) => console.error("[auth] Could not audit a refused sign-in:", error));
  try {
    after(run);
  } catch {
    void run();
  }
}

const ticketSchema = z.object({ ticket: z.string().min(20).max(100) });

const credentialsSchema = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(256) });

export interface AuthOptionsContext {
  /**
   * Set by next-auth's own route (app/api/auth/[...nextauth]): re-issuing the session cookie
   * (GET /api/auth/session) first checks that the server-side session is still live, so a
   * revoked session is not renewed but cleared. Pages and handlers check it in getActor instead.
   */
  checkSessionOnRenewal?: boolean;
}

export function authOptions(context: AuthOptionsContext = {}): NextAuthOptions {
  const settings = env();
  const idleSeconds = settings.SESSION_IDLE_MINUTES * 60;
  const rules = {
    policy: { maxFailures: settings.LOGIN_MAX_FAILURES, maxAddressFailures: settings.LOGIN_ADDRESS_MAX_FAILURES, windowMinutes: settings.LOGIN_WINDOW_MINUTES },
    sessionMaxHours: settings.SESSION_MAX_HOURS,
    verify: verifyPassword,
    deferAudit: afterTheAnswer,
  };
  return {
    secret: settings.NEXTAUTH_SECRET,
    // The JWT (and its cookie) expire after the idle period; any request from an active page
    // re-issues it (components/idle-session.tsx), so only inactivity signs a user out.
    session: { strategy: "jwt", maxAge: idleSeconds, updateAge: 0 },
    jwt: { maxAge: idleSeconds },
    pages: { signIn: "/login" },
    ...(settings.SESSION_COOKIES_IN_EHR_FRAME ? { cookies: framedSessionCookies() } : {}),
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(raw, req) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const now = new Date();
          let address: string;
          try {
            address = clientAddressOf((req?.headers ?? {}) as HeaderSource, settings.TRUSTED_PROXIES);
          } catch (error) {
            // next-auth turns a thrown error into the sign-in page's message only; the operator
            // needs to read why in the server log.
            if (error instanceof ClientAddressUnavailable) console.error(`[auth] Sign-in refused: ${error.message}`);
            throw error;
          }
          const outcome = await attemptSignIn(getDb(), { email: parsed.data.email, password: parsed.data.password, address, now }, rules);
          if (outcome.kind === "throttled") {
            throw new Error(`${LOGIN_LOCKED}:${Math.max(1, Math.ceil((outcome.retryAt.getTime() - now.getTime()) / 60_000))}`);
          }
          if (outcome.kind === "refused") return null;
          const { user, sessionId } = outcome;
          return { id: user.id, email: user.email, name: user.name, sessionId };
        },
      }),
      // The end of a SMART launch (lib/auth/smart-ticket.ts): a one-time ticket, not a password.
      CredentialsProvider({
        id: "smart-ticket",
        name: "SMART launch",
        credentials: { ticket: { label: "Ticket", type: "text" } },
        async authorize(raw, req) {
          const parsed = ticketSchema.safeParse(raw);
          if (!parsed.success) return null;
          let address: string;
          try {
            address = clientAddressOf((req?.headers ?? {}) as HeaderSource, settings.TRUSTED_PROXIES);
          } catch (error) {
            if (error instanceof ClientAddressUnavailable) console.error(`[auth] SMART sign-in refused: ${error.message}`);
            throw error;
          }
          const outcome = await signInWithTicket(getDb(), parsed.data.ticket, address, new Date(), settings.SESSION_MAX_HOURS);
          if (outcome.kind === "refused") return null;
          const { user, sessionId } = outcome;
          return { id: user.id, email: user.email, name: user.name, sessionId };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.uid = user.id;
          token.sid = user.sessionId;
          token.loginAt = Date.now();
          return token;
        }
        // Throwing makes next-auth answer "no session" and clear the cookie.
        if (context.checkSessionOnRenewal && !(token.sid && (await isSessionLive(getDb(), token.sid, new Date())))) {
          throw new SessionEnded();
        }
        return token;
      },
      session({ session, token }) {
        return { ...session, uid: token.uid ?? "", sid: token.sid ?? "", loginAt: token.loginAt ?? 0 };
      },
    },
    logger: {
      error(code, metadata) {
        if (code === "JWT_SESSION_ERROR" && metadata instanceof SessionEnded) {
          console.warn("[auth] Did not renew the cookie of a session that has ended (signed out, user disabled or expired).");
          return;
        }
        console.error(`[next-auth][error][${code}]`, metadata);
      },
    },
    events: {
      // POST /api/auth/signout (the Sign out button, and the idle sign-out): the session ends on
      // the server, so a copy of the cookie taken before is refused from now on.
      async signOut({ token }) {
        if (token?.sid) await revokeSession(getDb(), token.sid, new Date());
      },
    },
  };
}
