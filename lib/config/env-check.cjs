// Build/start-time check of the settings next.config.js needs before any TypeScript runs. The full
// schema is lib/config/env.ts; this mirrors its rules that can stop the app from working at all, or
// (TRUSTED_PROXIES, lib/config/trusted-proxies.ts) from telling its clients apart.
const { isIP } = require("node:net");
const url = process.env.DATABASE_URL ?? "file:./data/app.db";
const problems = [];
if (!(url.startsWith("file:") || /^postgres(ql)?:\/\//.test(url))) {
  problems.push("DATABASE_URL must be a SQLite file URL (file:./data/app.db) or a PostgreSQL URL (postgresql://user@host:5432/db)");
}
const secret = process.env.NEXTAUTH_SECRET;
if (secret !== undefined && secret.length < 32) problems.push("NEXTAUTH_SECRET must be at least 32 characters (e.g. `openssl rand -base64 32`)");
for (const entry of (process.env.TRUSTED_PROXIES ?? "").split(/[\s,]+/).filter(Boolean)) {
  const [address = "", prefix, extra] = entry.split("/");
  const family = isIP(address.replace(/%[^%]*$/, "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, ""));
  const max = family === 4 ? 32 : 128;
  if (extra !== undefined || family === 0 || (prefix !== undefined && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max))) {
    problems.push(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8)`);
  }
}
const auditKey = process.env.AUDIT_HMAC_KEY;
if (auditKey !== undefined && auditKey.trim().length < 32) problems.push("AUDIT_HMAC_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)");
if (problems.length > 0) {
  console.error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
