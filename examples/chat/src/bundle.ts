import { buildSync } from "esbuild";

/**
 * The page's script: src/static/chat.ts with @channels-ts/client, bundled by esbuild into one
 * minified file when the server starts (no CDN, no build step). The client comes from the
 * workspace's source, as the rest of the example's packages do under tsx.
 */
export function bundlePageScript(): Uint8Array {
  const result = buildSync({
    entryPoints: [new URL("./static/chat.ts", import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    write: false,
    alias: {
      "@channels-ts/client": new URL("../../../packages/client/src/index.ts", import.meta.url).pathname,
    },
    logLevel: "silent",
  });
  return result.outputFiles[0]!.contents;
}
