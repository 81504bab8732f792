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
  { files: ["next.config.js", "**/*.cjs"], rules: { "@typescript-eslint/no-require-imports": "off" } },
  { ignores: [".next/**", "node_modules/**", "lib/generated/**", "prisma/generated/**", "next-env.d.ts", "playwright-report/**", "test-results/**", "data/**"] },
];

export default config;
