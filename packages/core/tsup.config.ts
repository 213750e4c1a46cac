import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "layers/index": "src/layers/index.ts",
    "testing/index": "src/testing/index.ts",
    "server/index": "src/server/index.ts",
    // The `channels` executable; esbuild keeps its #! line and tsup makes it executable.
    "server/bin": "src/server/bin.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // Shared code lands in chunks so `instanceof StopConsumer` works across subpaths.
  splitting: true,
});
