// @ts-check
import { BlockList, isIP } from "node:net";

/**
 * TRUSTED_PROXIES: the reverse proxies and load balancers allowed to tell the app who their client
 * was (`X-Forwarded-For`, `X-Forwarded-Host`). A list of addresses and CIDR ranges separated by
 * commas or spaces, e.g. `10.0.0.0/8, 192.168.1.10, fd00::/8`. Empty (the default) trusts no
 * one: the client is whoever opened the TCP connection, and every forwarded header is ignored.
 *
 * Plain JavaScript with JSDoc types (checked by `tsc`): lib/config/env-schema.mjs reads the
 * setting with it, and next.config.js loads that before any TypeScript runs.
 */

/**
 * @typedef {object} TrustedRange
 * @property {string} address The address as written, normalised (IPv4-mapped IPv6 written as IPv4).
 * @property {number} prefix
 * @property {"ipv4" | "ipv6"} family
 */

/** @typedef {readonly TrustedRange[]} TrustedProxies */

/**
 * The address in its plain form, or null when `text` is not an IP address: IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`, how a dual-stack socket reports an IPv4 peer) becomes IPv4, IPv6 is
 * lower-cased and compressed, a zone (`%eth0`) is dropped.
 *
 * @param {string} text
 * @returns {string | null}
 */
export function normaliseAddress(text) {
  const trimmed = text.trim();
  const withoutZone = trimmed.replace(/%[^%]*$/, "");
  const family = isIP(withoutZone);
  if (family === 4) return withoutZone;
  if (family !== 6) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(withoutZone);
  if (mapped?.[1] && isIP(mapped[1]) === 4) return mapped[1];
  // The URL parser writes IPv6 in its canonical compressed form ("2001:DB8:0::1" → "2001:db8::1").
  return new URL(`http://[${withoutZone}]`).hostname.slice(1, -1);
}

/**
 * @param {string} entry
 * @returns {TrustedRange | string}
 */
function parseEntry(entry) {
  const [addressText, prefixText, extra] = entry.split("/");
  if (extra !== undefined) return `"${entry}" has more than one "/"`;
  const address = normaliseAddress(addressText ?? "");
  if (address === null) return `"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8)`;
  const family = isIP(address) === 4 ? "ipv4" : "ipv6";
  const maxPrefix = family === "ipv4" ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: maxPrefix, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `"${entry}" has a prefix length outside 0–${maxPrefix}`;
  }
  return { address, prefix: Number(prefixText), family };
}

/**
 * Parses the setting; the result lists every bad entry with what is wrong with it.
 *
 * @param {string} text
 * @returns {{ ok: true; value: TrustedProxies } | { ok: false; problems: string[] }}
 */
export function parseTrustedProxies(text) {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== "");
  /** @type {TrustedRange[]} */
  const value = [];
  /** @type {string[]} */
  const problems = [];
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (typeof parsed === "string") problems.push(parsed);
    else value.push(parsed);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** @type {WeakMap<TrustedProxies, BlockList>} */
const blockLists = new WeakMap();

/**
 * @param {TrustedProxies} ranges
 * @returns {BlockList}
 */
function blockListOf(ranges) {
  let list = blockLists.get(ranges);
  if (!list) {
    list = new BlockList();
    for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
    blockLists.set(ranges, list);
  }
  return list;
}

/**
 * True when `address` (already normalised) lies in one of the trusted ranges.
 *
 * @param {string} address
 * @param {TrustedProxies} ranges
 * @returns {boolean}
 */
export function isTrustedProxy(address, ranges) {
  if (ranges.length === 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  return blockListOf(ranges).check(address, family === 4 ? "ipv4" : "ipv6");
}
