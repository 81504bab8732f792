import { withAuth } from "next-auth/middleware";

/**
 * Only redirects visitors without a session to sign in. It is not the access check: every page,
 * route handler and server action authorises itself (lib/auth/session.ts).
 */
export default withAuth({ pages: { signIn: "/login" } });

export const config = {
  matcher: ["/((?!login|api/|_next/|favicon.ico|forbidden).*)"],
};
