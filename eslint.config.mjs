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
      "no-restricted-imports": ["error", { patterns: ["next", "next/*", "react", "@prisma/*", "@/lib/generated/*", "@/lib/data/*", "node:fs", "fs"] }],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "The engine never reads the clock: take `now` as a parameter." },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: "The engine never reads the clock: take `now` as a parameter." },
      ],
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
  { ignores: [".next/**", "node_modules/**", "lib/generated/**", "prisma/generated/**", "next-env.d.ts", "playwright-report/**", "test-results/**", "data/**"] },
];

export default config;
