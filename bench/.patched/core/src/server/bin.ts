#!/usr/bin/env node
// The `channels` executable (package.json "bin"); all logic lives in cli.ts.
import { main } from "./cli";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
