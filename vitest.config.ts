import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests run against the TypeScript sources, never a build: each public specifier is aliased to
// its entry file. The more specific subpaths come first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@channels-ts\/core\/testing$/, replacement: src("core/src/testing/index.ts") },
      { find: /^@channels-ts\/core\/server$/, replacement: src("core/src/server/index.ts") },
      { find: /^@channels-ts\/core\/layers$/, replacement: src("core/src/layers/index.ts") },
      { find: /^@channels-ts\/core$/, replacement: src("core/src/index.ts") },
      { find: /^@channels-ts\/client$/, replacement: src("client/src/index.ts") },
      { find: /^@channels-ts\/layer-memory$/, replacement: src("layer-memory/src/index.ts") },
      { find: /^@channels-ts\/layer-redis$/, replacement: src("layer-redis/src/index.ts") },
      { find: /^@channels-ts\/layer-rabbitmq$/, replacement: src("layer-rabbitmq/src/index.ts") },
      { find: /^@channels-ts\/layer-conformance$/, replacement: src("layer-conformance/src/index.ts") },
      { find: /^@channels-ts\/test-support\/vitest$/, replacement: src("test-support/src/vitest.ts") },
      { find: /^@channels-ts\/test-support$/, replacement: src("test-support/src/index.ts") },
    ],
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "examples/*/src/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ["packages/*/src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
