import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { isTrustedProxy, normaliseAddress, parseTrustedProxies, type TrustedProxies } from "@/lib/config/trusted-proxies.mjs";
import { parseEnv } from "@/lib/config/env";
import {
  ClientAddressUnavailable,
  PEER_HEADER_GLOBAL,
  cameThroughTrustedProxy,
  clientAddressOf,
  peerAddress,
  resolveClientAddress,
  throttleAddressKey,
} from "@/lib/auth/client-address";

function trusted(text: string): TrustedProxies {
  const parsed = parseTrustedProxies(text);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return parsed.value;
}

describe("TRUSTED_PROXIES parsing", () => {
  it("reads addresses and CIDR ranges separated by commas and/or spaces", () => {
    expect(trusted(" 10.0.0.0/8,192.168.1.10  fd00::/8 ,::ffff:172.16.0.1")).toEqual([
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "192.168.1.10", prefix: 32, family: "ipv4" },
      { address: "fd00::", prefix: 8, family: "ipv6" },
      { address: "172.16.0.1", prefix: 32, family: "ipv4" },
    ]);
    expect(trusted("")).toEqual([]);
  });

  it("names every bad entry", () => {
    const parsed = parseTrustedProxies("10.0.0.0/33, proxy.local, 10.0.0.0/8/9, ::1/129, 10.0.0.0/-1, 10.0.0.0/x");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toHaveLength(6);
    expect(parsed.problems[0]).toContain('"10.0.0.0/33" has a prefix length outside 0–32');
    expect(parsed.problems[1]).toContain('"proxy.local" is not an IP address');
    expect(parsed.problems[3]).toContain("0–128");
  });

  it("a bad value stops the app at start-up with a message naming the setting, in both checks", () => {
    expect(() => parseEnv({ TRUSTED_PROXIES: "10.0.0.0/8, lb.internal" })).toThrow(/TRUSTED_PROXIES: "lb.internal" is not an IP address/);
    expect(parseEnv({ TRUSTED_PROXIES: "10.0.0.0/8" }).TRUSTED_PROXIES).toEqual([{ address: "10.0.0.0", prefix: 8, family: "ipv4" }]);
    expect(parseEnv({}).TRUSTED_PROXIES).toEqual([]);
    // next.config.js checks the environment (lib/config/env-schema.mjs) before any TypeScript, at build and start.
    const run = (value: string) => {
      try {
        execFileSync(process.execPath, ["-e", "require('./next.config.js')('phase-production-build')"], { env: { ...process.env, DATABASE_URL: "file:./data/app.db", NEXTAUTH_SECRET: undefined, TRUSTED_PROXIES: value }, stdio: "pipe", encoding: "utf8" });
        return { code: 0, stderr: "" };
      } catch (error) {
        const failed = error as { status: number; stderr: string };
        return { code: failed.status, stderr: failed.stderr };
      }
    };
    expect(run("10.0.0.0/8 ::1 fe80::/10")).toEqual({ code: 0, stderr: "" });
    const bad = run("10.0.0.0/8, 10.0.0.0/33");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('TRUSTED_PROXIES: "10.0.0.0/33"');
  });

  it("LOGIN_ADDRESS_MAX_FAILURES below LOGIN_MAX_FAILURES is refused", () => {
    expect(() => parseEnv({ LOGIN_MAX_FAILURES: "10", LOGIN_ADDRESS_MAX_FAILURES: "9" })).toThrow(/LOGIN_ADDRESS_MAX_FAILURES: must be at least LOGIN_MAX_FAILURES/);
    expect(parseEnv({}).LOGIN_ADDRESS_MAX_FAILURES).toBe(20);
  });
});

describe("CIDR matching at the boundaries", () => {
  const cases: [string, string, boolean][] = [
    ["10.0.0.0/8", "9.255.255.255", false],
    ["10.0.0.0/8", "10.0.0.0", true],
    ["10.0.0.0/8", "10.255.255.255", true],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["192.168.1.2/31", "192.168.1.1", false],
    ["192.168.1.2/31", "192.168.1.2", true],
    ["192.168.1.2/31", "192.168.1.3", true],
    ["192.168.1.2/31", "192.168.1.4", false],
    ["203.0.113.7", "203.0.113.7", true],
    ["203.0.113.7", "203.0.113.6", false],
    ["203.0.113.7", "203.0.113.8", false],
    ["0.0.0.0/0", "198.51.100.1", true],
    ["2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false],
    ["2001:db8::/32", "2001:db8::", true],
    ["2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true],
    ["2001:db8::/32", "2001:db9::", false],
    ["::1", "::1", true],
    ["::1", "::2", false],
    // An IPv4 range never matches an IPv6 address and the reverse.
    ["10.0.0.0/8", "2001:db8::1", false],
    ["2001:db8::/32", "10.0.0.1", false],
  ];
  it.each(cases)("%s contains %s → %s", (range, address, expected) => {
    expect(isTrustedProxy(normaliseAddress(address)!, trusted(range))).toBe(expected);
  });

  it("an empty list trusts nothing, a non-address is never trusted", () => {
    expect(isTrustedProxy("127.0.0.1", [])).toBe(false);
    expect(isTrustedProxy("unknown", trusted("0.0.0.0/0"))).toBe(false);
  });

  it("normalises what sockets and proxies write", () => {
    expect(normaliseAddress("::ffff:10.1.2.3")).toBe("10.1.2.3");
    expect(normaliseAddress("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(normaliseAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normaliseAddress(" 10.0.0.1 ")).toBe("10.0.0.1");
    expect(normaliseAddress("10.0.0.256")).toBeNull();
    expect(normaliseAddress("")).toBeNull();
  });
});

describe("client address: hops counted from the right, stopping at the first untrusted one", () => {
  const proxies = trusted("10.0.0.0/8, 2001:db8:ffff::/48");
  const cases: { name: string; peer: string; xff: string | null; expected: string }[] = [
    { name: "no proxy, no header: the peer", peer: "198.51.100.4", xff: null, expected: "198.51.100.4" },
    { name: "an untrusted peer's X-Forwarded-For is ignored", peer: "198.51.100.4", xff: "203.0.113.99", expected: "198.51.100.4" },
    { name: "an untrusted peer cannot pose as a proxy chain", peer: "198.51.100.4", xff: "203.0.113.99, 10.0.0.5", expected: "198.51.100.4" },
    { name: "a trusted proxy: the hop it appended", peer: "10.0.0.5", xff: "198.51.100.4", expected: "198.51.100.4" },
    { name: "a client's own spoofed entry left of the real one is ignored", peer: "10.0.0.5", xff: "203.0.113.99, 198.51.100.4", expected: "198.51.100.4" },
    { name: "two trusted proxies", peer: "10.0.0.5", xff: "203.0.113.99, 198.51.100.4, 10.9.9.9", expected: "198.51.100.4" },
    { name: "the walk stops at the first untrusted hop even if a trusted one is further left", peer: "10.0.0.5", xff: "10.1.1.1, 198.51.100.4, 10.9.9.9", expected: "198.51.100.4" },
    { name: "every hop trusted: the leftmost", peer: "10.0.0.5", xff: "10.1.1.1, 10.2.2.2", expected: "10.1.1.1" },
    { name: "a trusted proxy without the header: the proxy itself", peer: "10.0.0.5", xff: null, expected: "10.0.0.5" },
    { name: "a hop that is not an address ends the walk at the proxy that wrote it", peer: "10.0.0.5", xff: "198.51.100.4, unknown", expected: "10.0.0.5" },
    { name: "an empty hop ends the walk too", peer: "10.0.0.5", xff: "198.51.100.4, , 10.9.9.9", expected: "10.9.9.9" },
    { name: "ports and brackets are dropped", peer: "10.0.0.5", xff: "198.51.100.4:51234", expected: "198.51.100.4" },
    { name: "IPv6 hops, bracketed with a port", peer: "10.0.0.5", xff: "[2001:DB8:1::7]:443", expected: "2001:db8:1::7" },
    { name: "an IPv6 proxy range", peer: "2001:db8:ffff::1", xff: "2001:db8:1::7, 2001:db8:ffff:1::2", expected: "2001:db8:1::7" },
    { name: "an IPv4-mapped peer counts as its IPv4 address", peer: normaliseAddress("::ffff:10.0.0.5")!, xff: "198.51.100.4", expected: "198.51.100.4" },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, () => {
      expect(resolveClientAddress(c.peer, c.xff, proxies)).toBe(c.expected);
    });
  }

  it("with no trusted proxies every forwarded header is ignored", () => {
    expect(resolveClientAddress("10.0.0.5", "198.51.100.4", [])).toBe("10.0.0.5");
  });
});

describe("the peer address comes from server.mjs's stamp", () => {
  const globals = globalThis as Record<symbol, unknown>;
  afterEach(() => {
    delete globals[PEER_HEADER_GLOBAL];
  });

  it("under server.mjs the stamped header is the peer, whatever X-Forwarded-For says", () => {
    globals[PEER_HEADER_GLOBAL] = "x-test-peer";
    const headers = new Headers({ "x-test-peer": "::ffff:198.51.100.4", "x-forwarded-for": "203.0.113.99" });
    expect(peerAddress(headers, "production")).toBe("198.51.100.4");
    expect(clientAddressOf(headers, trusted("10.0.0.0/8"))).toBe("198.51.100.4");
    expect(clientAddressOf({ "x-test-peer": "10.0.0.5", "x-forwarded-for": "198.51.100.4" }, trusted("10.0.0.0/8"))).toBe("198.51.100.4");
    expect(cameThroughTrustedProxy({ "x-test-peer": "10.0.0.5" }, trusted("10.0.0.0/8"))).toBe(true);
    expect(cameThroughTrustedProxy({ "x-test-peer": "198.51.100.4" }, trusted("10.0.0.0/8"))).toBe(false);
  });

  it("a stamp that is missing or not an address is refused rather than guessed", () => {
    globals[PEER_HEADER_GLOBAL] = "x-test-peer";
    expect(() => peerAddress(new Headers({ "x-forwarded-for": "198.51.100.4" }), "production")).toThrow(ClientAddressUnavailable);
    expect(() => peerAddress(new Headers({ "x-test-peer": "somewhere" }), "production")).toThrow(ClientAddressUnavailable);
  });

  it("a production server not started by server.mjs refuses to guess (a client could pick its address)", () => {
    expect(() => peerAddress(new Headers({ "x-forwarded-for": "198.51.100.4" }), "production")).toThrow(/npm start/);
    expect(cameThroughTrustedProxy(new Headers({ "x-forwarded-for": "10.0.0.5" }), trusted("10.0.0.0/8"))).toBe(false);
  });

  it("in development (next dev) the last X-Forwarded-For entry, which Next writes from the socket, stands in", () => {
    expect(peerAddress(new Headers({ "x-forwarded-for": "203.0.113.99, ::1" }), "development")).toBe("::1");
    expect(peerAddress(new Headers({}), "development")).toBe("unknown");
  });
});

describe("throttle key of an address", () => {
  it("IPv4 as it is; IPv6 by its /64", () => {
    expect(throttleAddressKey("198.51.100.4")).toBe("198.51.100.4");
    expect(throttleAddressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(throttleAddressKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(throttleAddressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(throttleAddressKey("::1")).toBe("0:0:0:0::/64");
  });
});
