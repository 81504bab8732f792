import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The clinical core stays pure: no framework, database or clock (docs/code-style.md#principles, 1).
    files: ["lib/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["next", "next/*", "react", "node:*", "fs", "path", "crypto"] }],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "The engine never reads the clock: take `now` as a parameter." },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "The engine never reads the clock: take `now` as a parameter." },
      ],
    },
  },
  {
    // Which layer may import which (docs/code-style.md#where-things-go), resolved paths, so an
    // alias, a relative path and a re-export are caught alike. tests/unit/boundaries.test.ts
    // shows each zone refusing a wrong import.
    files: ["**/*.{ts,tsx,mts,mjs,js}"],
    rules: {
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            {
              target: "./lib/domain",
              from: "./",
              except: ["./lib/domain", "./node_modules"],
              message: "lib/domain is the pure clinical core: it imports nothing from the rest of the project (pass values in instead).",
            },
            {
              target: "./lib/data",
              from: "./lib/auth",
              message: "lib/data never imports lib/auth (lib/auth is built on lib/data): the actor and the permission table are lib/data/access/.",
            },
            ...["./app", "./components", "./lib/auth", "./lib/cli", "./lib/config", "./lib/docs", "./lib/domain", "./lib/http", "./lib/validation", "./prisma", "./scripts", "./tests", "./proxy.ts"].map((target) => ({
              target,
              from: ["./lib/generated", "./node_modules/@prisma", "./node_modules/.prisma"],
              message: "Only lib/data talks to the database: use its functions (or createDb in lib/data/db/client.ts), not the Prisma client.",
            })),
          ],
        },
      ],
      // A loop of imports is a knot in the floor plan: something in it belongs elsewhere.
      "import/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // Browser specs take `test` from the fixtures, which keep the browser on the test's clock
    // when the suite runs shifted (docs/testing.md#time-is-an-input).
    files: ["tests/e2e/**/*.ts", "tests/e2e-multi/**/*.ts"],
    ignores: ["tests/e2e/fixtures.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [{ name: "@playwright/test", importNames: ["test"], message: "Import `test` from tests/e2e/fixtures.ts." }] }],
    },
  },
  { files: ["next.config.js", "**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  { ignores: [".next/**", "node_modules/**", "tests/ehr/smart-launcher/**", "lib/generated/**", "prisma/generated/**", "next-env.d.ts", "playwright-report/**", "test-results/**", "data/**"] },
];

export default config;
