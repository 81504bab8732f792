import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("./", import.meta.url));

export default defineConfig({
  resolve: { alias: { "@/": root, "server-only": `${root}tests/support/server-only-stub.ts` } },
  test: {
    projects: [
      {
        extends: true,
        // Property tests take milliseconds alone but seconds on a loaded machine; time is not what they test.
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node", testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.int.test.ts"],
          environment: "node",
          // Each file gets its own freshly migrated database (tests/support/test-db.ts).
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
