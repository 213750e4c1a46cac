import { defineConfig } from "tsup";

// ESM only, as vitest, which runs the suite, is.
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  external: ["@channels-ts/core", "vitest"],
});
