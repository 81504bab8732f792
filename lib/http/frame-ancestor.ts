/**
 * Which EHR may show the app's pages in a frame (docs/ehr-integration.md "In a frame"). Pages send
 * `frame-ancestors 'none'` unless the browser completed a SMART launch from a registered EHR: the
 * callback (app/smart/callback) then sets a cookie naming that EHR's origin, signed with an HMAC
 * under NEXTAUTH_SECRET, and proxy.ts lets exactly that origin frame the pages
 * (`frame-ancestors 'self' <origin>`). The signature is what keeps it to registered EHRs: a cookie
 * someone else wrote (another site on a sibling domain, a forged header) does not verify and
 * changes nothing.
 *
 * Web Crypto only: proxy.ts runs it for every page.
 */

export const FRAME_COOKIE = "smart_frame";

const encoder = new TextEncoder();

async function hmac(origin: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`smart frame ancestor\n${origin}`)));
  return btoa(String.fromCharCode(...signature)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An origin as a frame-ancestors source: scheme, host and port only. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

/** The cookie's value for an EHR origin (e.g. https://ehr.example.org). */
export async function signFrameAncestor(origin: string, secret: string): Promise<string> {
  if (!isOrigin(origin)) throw new Error(`Not an origin: ${origin}`);
  return `${encodeURIComponent(origin)}.${await hmac(origin, secret)}`;
}

/** The origin a cookie value names, when its signature verifies; otherwise null. */
export async function verifyFrameAncestor(value: string | undefined, secret: string | undefined): Promise<string | null> {
  if (!value || !secret) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  let origin: string;
  try {
    origin = decodeURIComponent(value.slice(0, dot));
  } catch {
    return null;
  }
  if (!isOrigin(origin)) return null;
  const expected = await hmac(origin, secret);
  const given = value.slice(dot + 1);
  // Compared in full whatever differs, so the time taken tells nothing about the signature.
  let difference = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ (given.charCodeAt(i) || 0);
  return difference === 0 ? origin : null;
}
