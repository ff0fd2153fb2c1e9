// Shared by every package's vitest.config.ts: run workspace packages from their TypeScript
// sources (the `@xenfs/source` export condition), so tests need no build first.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const conditions = ["@xenfs/source", "node", "import", "module", "default"];
// testkit's skip helper imports nothing, so packages testkit is built on (hypervisor, libxen,
// service-kit) use it too, without a dependency cycle.
const alias = {
  "@xenfs/testkit/skip": fileURLToPath(new URL("./packages/testkit/src/skip.ts", import.meta.url)),
};

export default defineConfig({
  resolve: { conditions, alias },
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
