// Shared by every package's vitest.config.ts: run workspace packages from their TypeScript
// sources (the `@xenfs/source` export condition), so tests need no build first.
import { defineConfig } from "vitest/config";

const conditions = ["@xenfs/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@xenfs/source"] } },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Two cores: test files that start processes must not starve each other.
    maxWorkers: 2,
  },
});
