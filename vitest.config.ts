import { defineConfig, type ViteUserConfig } from "vitest/config";
import { TEST_DRIVERS } from "./tests/support/database.ts";
import { detectServer } from "./tests/support/server.ts";

const WARNING = [
  "!!! No PostgreSQL server: the database suite ran on PGlite only.",
  "!!! Run `deno task db:up` (as root) for the postgres.js and Neon drivers too.",
].join("\n");

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const server = await detectServer(process.env);
  if (!server) {
    console.warn(`\n${WARNING}\n`);
    process.env.PGRAG_TEST_SERVER_MISSING = WARNING;
  }
  const drivers = server ? TEST_DRIVERS : ["pglite"];
  const SERVER_ONLY = "tests/server/**/*.test.ts";
  return {
    test: {
      globalSetup: ["tests/support/global-setup.ts"],
      reporters: ["default", "./tests/support/driver-reporter.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      projects: [
        { extends: true as const, test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
        ...drivers.map((driver) => ({
          extends: true as const,
          test: {
            name: driver,
            include: [
              "tests/db/**/*.test.ts",
              "tests/http/**/*.test.ts",
              // The fuzz suite sends thousands of requests in-process: once, on PGlite, is enough.
              ...(driver === "pglite"
                ? [
                  "tests/embedded/**/*.test.ts",
                  "tests/fuzz/**/*.test.ts",
                  "tests/browser/**/*.test.ts",
                  "tests/cli/**/*.test.ts",
                ]
                : [SERVER_ONLY]),
              `tests/${driver}/**/*.test.ts`,
            ],
            env: { PGRAG_TEST_DRIVER: driver },
          },
        })),
        // The fault suite restarts and saturates the server: it runs after everything else.
        ...(server
          ? [{
            extends: true as const,
            test: {
              name: "faults",
              include: ["tests/faults/**/*.test.ts"],
              sequence: { groupOrder: 1 },
            },
          }]
          : []),
      ],
    },
  };
});
