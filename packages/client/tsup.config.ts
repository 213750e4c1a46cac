import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  // Browsers too: nothing newer than what every current browser runs.
  target: "es2020",
  platform: "neutral",
});
