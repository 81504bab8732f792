import { isIP } from "node:net";
import { isTrustedProxy, normaliseAddress, type TrustedProxies } from "@/lib/config/trusted-proxies.mjs";

/**
 * Who is on the other end of a request, for the sign-in throttle, the audit log and the origin
 * check.
 *
 * The only address nobody can forge is the TCP peer's. Next's own server does not hand it to route
 * handlers or server actions: it writes it into `X-Forwarded-For` only when the request has no such
 * header (`??=` in next/dist/server/base-server.js), so a client that sends its own header decides
 * what the app reads. `server.mjs` (what `npm start` runs) therefore stamps every request with the
 * socket's address in a private header after deleting any copy the client sent, and publishes
 * that header's name on `globalThis` so the app knows the stamp is there and genuine.
 *
 * `X-Forwarded-For` is read only when the peer is one of TRUSTED_PROXIES: hops are counted from
 * the right (each proxy appends the address it received the request from) and the walk stops at
 * the first hop that is not a trusted proxy; that hop is the client. Anything further left was
 * written by the client and is ignored.
 */

/** The global under which server.mjs publishes the name of its peer-address header. */
export const PEER_HEADER_GLOBAL = Symbol.for("sarcopenia.peerAddressHeader");

/** Anything with `get(name)`: a Fetch `Headers`, Next's `headers()`, or next-auth's plain object. */
export type HeaderSource = { get(name: string): string | null } | Record<string, unknown>;

function header(source: HeaderSource, name: string): string | null {
  if (typeof source.get === "function") return (source as { get(name: string): string | null }).get(name);
  const value = (source as Record<string, unknown>)[name];
  return typeof value === "string" ? value : null;
}

/** The peer-address header's name when the app runs under server.mjs, else null. */
export function stampedPeerHeader(): string | null {
  const name: unknown = (globalThis as Record<symbol, unknown>)[PEER_HEADER_GLOBAL];
  return typeof name === "string" && name !== "" ? name : null;
}

export class ClientAddressUnavailable extends Error {
  constructor() {
    super(
      "The client's network address is unknown: this production server was not started with `npm start` (server.mjs), " +
        "so the sign-in throttle cannot tell clients apart. Start the app with `npm start` (see docs/deployment.md).",
    );
    this.name = "ClientAddressUnavailable";
  }
}

/**
 * The TCP peer's address. Under server.mjs it is the stamped header. Without it (`next dev`, or a
 * plain `next start`) it cannot be known: in development the last `X-Forwarded-For` entry (what
 * Next writes from the socket when the client sent none) stands in; in production this throws
 * rather than let a client choose its own address.
 */
export function peerAddress(headers: HeaderSource, nodeEnv: string | undefined = process.env.NODE_ENV): string {
  const name = stampedPeerHeader();
  if (name !== null) {
    const stamped = normaliseAddress(header(headers, name) ?? "");
    if (stamped === null) throw new ClientAddressUnavailable();
    return stamped;
  }
  if (nodeEnv === "production") throw new ClientAddressUnavailable();
  const hops = forwardedHops(header(headers, "x-forwarded-for"));
  return normaliseAddress(hops[hops.length - 1] ?? "") ?? "unknown";
}

/** The entries of an `X-Forwarded-For` header, left (claimed client) to right (nearest proxy). */
export function forwardedHops(value: string | null): string[] {
  if (value === null || value.trim() === "") return [];
  return value.split(",").map((hop) => hop.trim());
}

/** One hop's address: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`. */
function hopAddress(hop: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return normaliseAddress(bracketed[1]!);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop);
  if (v4WithPort) return normaliseAddress(v4WithPort[1]!);
  return normaliseAddress(hop);
}

/**
 * The client's address: the peer, unless the peer is a trusted proxy, in which case the
 * `X-Forwarded-For` hops are walked from the right while each hop is itself a trusted proxy. A
 * hop that is not an address ends the walk at the trusted proxy that reported it (it vouches for
 * nothing further).
 */
export function resolveClientAddress(peer: string, forwardedFor: string | null, trusted: TrustedProxies): string {
  const hops = forwardedHops(forwardedFor);
  let client = peer;
  for (let i = hops.length - 1; i >= 0 && isTrustedProxy(client, trusted); i--) {
    const hop = hopAddress(hops[i]!);
    if (hop === null) break;
    client = hop;
  }
  return client;
}

/** The client of a request (see resolveClientAddress); throws ClientAddressUnavailable in production without server.mjs. */
export function clientAddressOf(headers: HeaderSource, trusted: TrustedProxies): string {
  return resolveClientAddress(peerAddress(headers), header(headers, "x-forwarded-for"), trusted);
}

/**
 * True when the request reached the app through a trusted proxy, whose `X-Forwarded-Host` may then
 * be believed. Only a stamped peer address counts: without server.mjs the peer is unknown.
 */
export function cameThroughTrustedProxy(headers: HeaderSource, trusted: TrustedProxies): boolean {
  const name = stampedPeerHeader();
  if (name === null) return false;
  const peer = normaliseAddress(header(headers, name) ?? "");
  return peer !== null && isTrustedProxy(peer, trusted);
}

/**
 * The key the sign-in throttle counts an address under: an IPv4 address as it is, an IPv6 address
 * by its /64 network, since one subscriber is usually given a whole /64 and could otherwise step
 * through its addresses to escape the per-address limit.
 */
export function throttleAddressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const expanded = expandIpv6(address);
  return `${expanded.slice(0, 4).join(":")}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  return [...left, ...Array.from({ length: Math.max(0, missing) }, () => "0"), ...right].map((part) => part.replace(/^0+(?=.)/, ""));
}
