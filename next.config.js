
/**
 * Headers for every response. The pages' Content-Security-Policy (a fresh script nonce per
 * request), their Cache-Control and HSTS are set by proxy.ts, which runs before every page; the
 * API's and the CDS Hooks service's answers are data, so they get a policy that allows nothing and
 * are never stored.
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
      // The CDS Hooks service (docs/ehr-integration.md): JSON for an EHR, also never a page.
      { source: "/cds-services/:path*", headers: apiResponses },
    ];
  },
};

/**
 * The environment is validated here, with the app's own rules (lib/config/env-schema.mjs, which
 * the TypeScript code parses with too), before Next builds or serves anything: a bad setting
 * fails `next build` and the server start with a message naming it. A build may be made without
 * the secrets a production server needs; the start checks them.
 *
 * @param {string} phase Next's phase (`phase-production-build`, `phase-production-server`, …)
 */
module.exports = async (phase) => {
  const { checkEnvironment } = await import("./lib/config/env-schema.mjs");
  checkEnvironment(process.env, phase === "phase-production-build" ? "build" : "run");
  return nextConfig;
};
