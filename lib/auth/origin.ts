/**
 * Cross-site request forgery defence for route handlers: a state-changing request must come
 * from a page of this site. Browsers send `Origin` on every cross-origin request and on
 * same-origin POST/PUT/PATCH/DELETE, and a page cannot forge it; `Referer` is the fallback for
 * the rare client that sends only that. A request with neither is refused (fail closed): the
 * only clients of these handlers are our own pages. Server actions are checked by Next.js itself.
 */

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function isStateChangingMethod(method: string): boolean {
  return STATE_CHANGING_METHODS.has(method.toUpperCase());
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
 * The hosts this request may legitimately come from: the host a reverse proxy received
 * (`X-Forwarded-Host`), the `Host` header, the request URL's host, and `allowedOrigin`
 * (NEXTAUTH_URL, the site's public address).
 */
function expectedHosts(request: Request, allowedOrigin: string | undefined): Set<string> {
  const hosts = new Set<string>();
  const add = (host: string | null) => {
    if (host) hosts.add(host);
  };
  add(firstValue(request.headers.get("x-forwarded-host")));
  add(firstValue(request.headers.get("host")));
  add(hostOf(request.url));
  if (allowedOrigin) add(hostOf(allowedOrigin));
  return hosts;
}

/**
 * True when the request's `Origin` (else `Referer`) names this site's host. Hosts are compared
 * with their port and without the scheme, as Next.js does for server actions, because TLS often
 * ends at a proxy that forwards plain HTTP.
 */
export function isSameOrigin(request: Request, allowedOrigin?: string): boolean {
  const origin = request.headers.get("origin");
  const referer = request.headers.get("referer");
  // "null" is what sandboxed frames and some redirects send: never this site.
  const source = origin !== null ? (origin === "null" ? null : hostOf(origin)) : referer !== null ? hostOf(referer) : null;
  if (source === null) return false;
  return expectedHosts(request, allowedOrigin).has(source);
}
