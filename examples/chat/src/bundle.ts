import { buildSync } from "esbuild";

/**
 * The page's script: src/static/chat.ts with @channels-ts/client, bundled by esbuild into one
 * minified file when the server starts (no CDN, no build step).
 */
export function bundlePageScript(): Uint8Array {
  const result = buildSync({
    entryPoints: [new URL("./static/chat.ts", import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    write: false,
    // The example's tsconfig maps @channels-ts/client to its source, as it maps the server's
    // packages for tsx: no build step.
    tsconfig: new URL("../tsconfig.json", import.meta.url).pathname,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.contents;
}
