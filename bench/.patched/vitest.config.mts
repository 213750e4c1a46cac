import { defineConfig } from "vitest/config";
const p = (x: string) => `/work/main/bench/.patched/${x}`;
export default defineConfig({
  resolve: { alias: [
    { find: /^@channels-ts\/core\/testing$/, replacement: p("core/src/testing/index.ts") },
    { find: /^@channels-ts\/core\/server$/, replacement: p("core/src/server/index.ts") },
    { find: /^@channels-ts\/core$/, replacement: p("core/src/index.ts") },
    { find: /^@channels-ts\/layer-memory$/, replacement: p("layer-memory/src/index.ts") },
  ] },
  test: { root: "/work/main", include: ["bench/.patched/**/*.test.ts"], testTimeout: 20000 },
});
