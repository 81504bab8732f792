import type { CookiesOptions } from "next-auth";

/**
 * next-auth's sign-in cookies for an app an EHR shows in a frame on another site
 * (SESSION_COOKIES_IN_EHR_FRAME; docs/ehr-integration.md "In a frame"): a cross-site frame gets
 * only `SameSite=None` cookies, which browsers accept only when `Secure`. The names are next-auth's
 * own for https (the `__Secure-`/`__Host-` prefixes), so the proxy's session check (next-auth's
 * middleware) finds the cookie as before; only SameSite changes. Without the setting, next-auth's
 * defaults (SameSite=Lax) apply.
 *
 * What it costs: a cross-site request now carries the session. Every state-changing request is
 * refused unless it comes from this site's pages (lib/auth/guarded.ts, the sign-in route), and only
 * the launching EHR may frame the pages (lib/http/frame-ancestor.ts), but a cross-site GET of a
 * page or a download is answered as the user (the browser does not let the other site read it).
 */
export function framedSessionCookies(): Partial<CookiesOptions> {
  const options = { httpOnly: true, sameSite: "none", path: "/", secure: true } as const;
  return {
    sessionToken: { name: "__Secure-next-auth.session-token", options },
    callbackUrl: { name: "__Secure-next-auth.callback-url", options },
    csrfToken: { name: "__Host-next-auth.csrf-token", options },
  };
}
