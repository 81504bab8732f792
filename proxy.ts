import { NextResponse, type NextFetchEvent, type NextRequest } from "next/server";
import { withAuth, type NextRequestWithAuth } from "next-auth/middleware";
import { contentSecurityPolicy, newNonce, NO_STORE, servedOverHttps, strictTransportSecurity } from "@/lib/http/security-headers";
import { FRAME_COOKIE, verifyFrameAncestor } from "@/lib/http/frame-ancestor";

/**
 * Runs before every page (not the API, whose bodies it would buffer, nor static files):
 * 1. gives the response a fresh script nonce and the Content-Security-Policy that requires it
 *    (lib/http/security-headers.ts); the policy is also set on the request, where Next.js reads
 *    the nonce for its own scripts, so pages render per request (app/layout.tsx). No one may frame
 *    a page, except the EHR a SMART launch came from in this browser (lib/http/frame-ancestor.ts);
 * 2. marks the page `no-store` (it carries patient data) and, on https, sends HSTS;
 * 3. redirects visitors without a session to sign in. That is not the access check: every page,
 *    route handler and server action authorises itself (lib/auth/session.ts).
 */

/** Pages anyone may open: sign-in, the "not allowed" page, and the SMART launch (the user signs in through it). */
const PUBLIC_PAGES = /^\/(login|forbidden|smart)(\/|$)/;

async function withSecurityHeaders(request: NextRequest): Promise<NextResponse> {
  const nonce = newNonce();
  const publicUrl = process.env.NEXTAUTH_URL;
  const frameAncestor = await verifyFrameAncestor(request.cookies.get(FRAME_COOKIE)?.value, process.env.NEXTAUTH_SECRET);
  const policy = contentSecurityPolicy(nonce, { development: process.env.NODE_ENV === "development", https: servedOverHttps(publicUrl), frameAncestor });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  response.headers.set("Cache-Control", NO_STORE);
  const hsts = strictTransportSecurity(publicUrl);
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  return response;
}

const signedInOnly = withAuth((request) => withSecurityHeaders(request), { pages: { signIn: "/login" } });

export default function proxy(request: NextRequest, event: NextFetchEvent) {
  if (PUBLIC_PAGES.test(request.nextUrl.pathname)) return withSecurityHeaders(request);
  return signedInOnly(request as NextRequestWithAuth, event);
}

/**
 * Not the API, Next's files, or the CDS Hooks service (/cds-services…): an EHR calls it server to
 * server with a signed JWT (lib/auth/cds-client-jwt.ts), never with a session to redirect, and its
 * JSON answers carry their own no-store header (lib/cds-hooks/handle.ts); a page's CSP means
 * nothing there.
 */
export const config = {
  matcher: ["/((?!api/|cds-services|_next/|favicon.ico|icon.svg).*)"],
};
