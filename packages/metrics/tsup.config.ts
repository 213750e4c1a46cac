import { defineConfig } from "tsup";

export default defineConfig({
  entry: { prometheus: "src/prometheus.ts", opentelemetry: "src/opentelemetry.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  external: ["@channels-ts/core", "prom-client", "@opentelemetry/api"],
});
