import { z } from "zod";

/**
 * Zod compiles object schemas with `new Function` when it may, and probes for that when a schema
 * is built. The pages' Content-Security-Policy forbids eval (proxy.ts), so in the browser the
 * probe only produces a reported violation before zod falls back: tell zod up front not to try.
 * The server (no CSP there) keeps the compiled fast path.
 */
if (typeof window !== "undefined") z.config({ jitless: true });
