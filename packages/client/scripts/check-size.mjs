// The size budget: the ESM entry, minified by esbuild and gzipped, stays at most 5 KB.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const LIMIT = 5 * 1024;
const result = await build({
  entryPoints: [new URL("../dist/index.js", import.meta.url).pathname],
  bundle: true,
  minify: true,
  format: "esm",
  write: false,
});
const minified = result.outputFiles[0].contents;
const gzipped = gzipSync(minified, { level: 9 }).length;
console.log(`@channels-ts/client: ${minified.length} B minified, ${gzipped} B min+gzip (limit ${LIMIT} B)`);
if (gzipped > LIMIT) {
  console.error(`Over the size budget by ${gzipped - LIMIT} B: keep the client small.`);
  process.exit(1);
}
