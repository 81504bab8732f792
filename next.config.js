// Validates the environment at build and start (lib/config/env.ts) so a bad setting fails fast.
require("./lib/config/env-check.cjs");

/**
 * Headers for every response. The pages' Content-Security-Policy (a fresh script nonce per
 * request), their Cache-Control and HSTS are set by proxy.ts, which runs before every page; the
 * API's answers are data, so they get a policy that allows nothing and are never stored.
 */
const everyResponse = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];
const apiResponses = [
  // Same value as API_CONTENT_SECURITY_POLICY in lib/http/security-headers.ts (this file is plain CommonJS).
  { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
  // Patient JSON, CSV and NDJSON: no browser or proxy keeps a copy.
  { key: "Cache-Control", value: "no-store" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm test` runs `tsc --noEmit` over the whole project (tests included) before building, so the
  // build does not type-check a second time.
  typescript: { ignoreBuildErrors: true },
  serverExternalPackages: ["better-sqlite3", "@node-rs/argon2", "pg"],
  // `forbidden()` (app/forbidden/page.tsx): the "not allowed" page answers HTTP 403, not 200.
  experimental: { authInterrupts: true },
  async headers() {
    return [
      { source: "/:path*", headers: everyResponse },
      { source: "/api/:path*", headers: apiResponses },
    ];
  },
};

module.exports = nextConfig;
