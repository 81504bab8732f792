/**
 * Cross-site request forgery defence for everything that changes data (route handlers, server
 * actions, next-auth's sign-in and sign-out): the request must say it comes from a page of this
 * site. Browsers send `Origin` on every cross-origin request and on same-origin POST/PUT/PATCH/
 * DELETE, and send `Sec-Fetch-Site` on every request; a page can forge neither. So a request
 * passes when its `Origin` names this site, or, without an `Origin`, when `Sec-Fetch-Site` is
 * `same-origin`. A request with neither is refused (fail closed): the only clients that change
 * data are our own pages (and scripts, which send `Origin`). `Referer` is not accepted on its own:
 * it can be stripped or rewritten by policies and proxies, and is not needed by any browser we
 * support. Next.js's own server-action check lets a request without `Origin` through, hence this.
 */

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function isStateChangingMethod(method: string): boolean {
  return STATE_CHANGING_METHODS.has(method.toUpperCase());
}

export interface HeaderGetter {
  get(name: string): string | null;
}

export interface OriginPolicy {
  /** NEXTAUTH_URL, the site's public address (what the browser uses behind a proxy). */
  publicOrigin?: string;
  /**
   * Whether `X-Forwarded-Host` may be believed: only when the request came through one of
   * TRUSTED_PROXIES (lib/auth/client-address.ts `cameThroughTrustedProxy`).
   */
  trustForwardedHost: boolean;
}

function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** The first value of a header a proxy may have appended to (`a, b`). */
function firstValue(value: string | null): string | null {
  const first = value?.split(",")[0]?.trim();
  return first ? first.toLowerCase() : null;
}

/**
 * The hosts a request of this site may name: the `Host` it was sent to, the public origin
 * (NEXTAUTH_URL), and, from a trusted proxy only, the host the proxy received (`X-Forwarded-Host`).
 */
function expectedHosts(headers: HeaderGetter, policy: OriginPolicy): Set<string> {
  const hosts = new Set<string>();
  const add = (host: string | null) => {
    if (host) hosts.add(host);
  };
  add(firstValue(headers.get("host")));
  if (policy.publicOrigin) add(hostOf(policy.publicOrigin));
  if (policy.trustForwardedHost) add(firstValue(headers.get("x-forwarded-host")));
  return hosts;
}

/**
 * True when the request's `Origin` names this site's host, or, without an `Origin`, when the
 * browser says `Sec-Fetch-Site: same-origin`. Hosts are compared with their port and without the
 * scheme, as Next.js does for server actions, because TLS often ends at a proxy that forwards
 * plain HTTP.
 */
export function isSameOrigin(headers: HeaderGetter, policy: OriginPolicy): boolean {
  const origin = headers.get("origin");
  if (origin !== null) {
    // "null" is what sandboxed frames and some redirects send: never this site.
    const source = origin === "null" ? null : hostOf(origin);
    return source !== null && expectedHosts(headers, policy).has(source);
  }
  return headers.get("sec-fetch-site")?.trim().toLowerCase() === "same-origin";
}
