#!/usr/bin/env node
// Rewrites the options table of docs/topics/server.md from packages/core/src/server/options-table.ts
// (the test that checks the table does the writing, so that TypeScript needs no build step).
import { spawnSync } from "node:child_process";

const result = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "packages/core/src/server/options-table.test.ts"],
  { stdio: "inherit", env: { ...process.env, CHANNELS_UPDATE_DOCS: "1" } },
);
process.exit(result.status ?? 1);
