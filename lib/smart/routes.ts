import "server-only";
import { env } from "@/lib/config/env";
import { servedOverHttps } from "@/lib/http/security-headers";

/**
 * What the SMART launch's route handlers (app/smart/…) share: the app's redirect URI, the cookie
 * binding a launch to the browser, and the refusal page.
 */

/** The cookie holding the launch's browser binding (lib/data/ehr/launch-state.ts); only /smart reads it. */
export const LAUNCH_COOKIE = "smart_launch";

/** The app's public origin: NEXTAUTH_URL when set (behind a proxy the request's own URL may be internal), else the request's. */
export function publicOrigin(request: Request): string {
  const configured = env().NEXTAUTH_URL;
  return configured ? new URL(configured).origin : new URL(request.url).origin;
}

/** The redirect URI registered with every EHR: `<app>/smart/callback`. */
export function redirectUriFor(request: Request): string {
  return `${publicOrigin(request)}/smart/callback`;
}

/**
 * The launch cookie's attributes. Over https it is `SameSite=None; Secure`: an EHR that shows the
 * app in a frame is another site, and a Lax cookie is not sent to a cross-site frame. Over plain
 * http (a test EHR on this machine) browsers refuse `None` without `Secure`, so it is Lax: a
 * top-level launch works, a framed one does not (docs/ehr-integration.md "In a frame").
 */
export function launchCookieAttributes(request: Request, maxAgeSeconds: number): string {
  const https = servedOverHttps(publicOrigin(request));
  return [`Path=/smart`, `Max-Age=${maxAgeSeconds}`, "HttpOnly", https ? "SameSite=None; Secure" : "SameSite=Lax"].join("; ");
}

/** The frame-ancestor cookie (lib/http/frame-ancestor.ts): read by proxy.ts for every page, so path `/`; same SameSite rule. */
export function frameCookieAttributes(request: Request, maxAgeSeconds: number): string {
  const https = servedOverHttps(publicOrigin(request));
  return [`Path=/`, `Max-Age=${maxAgeSeconds}`, "HttpOnly", https ? "SameSite=None; Secure" : "SameSite=Lax"].join("; ");
}

export function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.get("cookie") ?? "";
  for (const part of header.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A refused launch: a small page (no script) saying what happened and what to do. */
export function refusalPage(title: string, message: string, status: number): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Sarcopenia screening</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;color:#1a1a1a;background:#f6f7f9}main{max-width:40rem;margin:0 auto;background:#fff;border:1px solid #d0d4da;border-radius:6px;padding:1rem 1.25rem}h1{font-size:1.25rem;margin:0 0 .5rem}</style>
</head><body><main role="alert" data-smart-refusal>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="/login">Sign in to the screening app</a> instead.</p>
</main></body></html>`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}
