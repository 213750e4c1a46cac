import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// The layer packages backed by a broker: every test of theirs runs in the integration tier.
const BROKER_TESTS = ["packages/layer-redis/**/*.test.ts", "packages/layer-rabbitmq/**/*.test.ts"];

// Tests run against the TypeScript sources, never a build: each public specifier is aliased to
// its entry file. The more specific subpaths come first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@channels-ts\/core\/testing$/, replacement: src("core/src/testing/index.ts") },
      { find: /^@channels-ts\/core\/server$/, replacement: src("core/src/server/index.ts") },
      { find: /^@channels-ts\/core\/layers$/, replacement: src("core/src/layers/index.ts") },
      { find: /^@channels-ts\/core$/, replacement: src("core/src/index.ts") },
      { find: /^@channels-ts\/metrics\/prometheus$/, replacement: src("metrics/src/prometheus.ts") },
      { find: /^@channels-ts\/metrics\/opentelemetry$/, replacement: src("metrics/src/opentelemetry.ts") },
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
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tiers a developer can run alone (`pnpm test:unit`, `test:integration`, `test:e2e`);
    // `vitest run` (and `pnpm test`) runs them all.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          // No system package: core, the in-memory layer, the conformance suite's own checks.
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/test/**/*.test.ts",
            "examples/*/src/**/*.test.ts",
          ],
          exclude: [...BROKER_TESTS, "**/node_modules/**"],
          typecheck: {
            enabled: true,
            include: ["packages/*/src/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
          },
        },
      },
      {
        extends: true,
        // Redis, RabbitMQ and the real Python channels_redis, each started per run on free ports.
        test: { name: "integration", include: BROKER_TESTS },
      },
      {
        extends: true,
        // The example chat in Debian's Chromium.
        test: { name: "e2e", include: ["examples/*/test/**/*.test.ts"] },
      },
    ],
  },
});
