/**
 * The response headers that protect the app's pages (set per request by proxy.ts; the static
 * ones for every response are in next.config.js). Pure functions, so the policy is tested
 * without a server: tests/unit/security-headers.test.ts.
 */

/** A fresh, unguessable nonce for one response: 16 random bytes, base64. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export interface PolicyOptions {
  /** `next dev` evaluates code for fast refresh and error overlays; production never does. */
  development: boolean;
  /** The site is served over https: ask the browser to upgrade any stray http sub-request. */
  https: boolean;
  /**
   * The EHR origin that launched the app in this browser (lib/http/frame-ancestor.ts), which may
   * show the pages in a frame; otherwise no one may.
   */
  frameAncestor?: string | null;
}

/**
 * Content-Security-Policy for a page: everything from our own origin, and scripts only when they
 * carry this response's nonce (Next.js puts it on its bootstrap and chunk scripts, reading it
 * from the request's own Content-Security-Policy header). No 'unsafe-inline' for scripts, so an
 * injected `<script>` or `onclick=` does not run. `'strict-dynamic'` lets the nonce'd runtime
 * load the page's chunks. Styles keep 'unsafe-inline': React renders `style` attributes (the
 * charts are drawn with them), which a nonce cannot cover, and styles cannot run code.
 */
export function contentSecurityPolicy(nonce: string, options: PolicyOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    options.frameAncestor ? `frame-ancestors 'self' ${options.frameAncestor}` : "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** JSON, CSV and NDJSON answers are data, never pages: nothing may load or frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * Whether the app is served over https, from its configured public URL (NEXTAUTH_URL): the one
 * address users reach it at, whatever sits in front of it. Unset or unparsable → not https.
 */
export function servedOverHttps(publicUrl: string | undefined): boolean {
  if (!publicUrl) return false;
  try {
    return new URL(publicUrl).protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Strict-Transport-Security when the public URL is https: browsers then refuse plain http to
 * this host for a year, so a network attacker cannot strip TLS on a later visit. Never over plain
 * http (the header is ignored there, and a demo on http://localhost must keep working); no
 * `preload`, which commits the whole domain and is the operator's decision.
 */
export function strictTransportSecurity(publicUrl: string | undefined): string | null {
  return servedOverHttps(publicUrl) ? "max-age=31536000; includeSubDomains" : null;
}

/** Pages and API answers carry patient data: no browser or proxy may keep a copy. */
export const NO_STORE = "no-store";
