import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    ignores: ["node_modules/**", ".next/**", "lib/generated/**", "next-env.d.ts", ".wharf/**", "test-results/**", "playwright-report/**"],
  },
  {
    // Rule 1 of the house: only the service layer touches Prisma (and decides permissions).
    files: ["**/*.{ts,tsx}"],
    ignores: ["lib/services/**", "lib/db/**", "lib/testing/**", "prisma/**", "e2e/**", "**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/lib/db/client", "**/db/client", "@/lib/db/hot-path", "**/db/hot-path"], message: "Only lib/services may use the database." },
            { group: ["@/lib/generated/prisma/*"], allowTypeImports: true, message: "Only lib/services may use Prisma." },
          ],
        },
      ],
    },
  },
];

export default config;
