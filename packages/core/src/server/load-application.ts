import * as nodeModule from "node:module";
import { extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Application } from "../protocol/types";

/** `./dist/asgi.js:application` → module path and export name (`undefined` when not given). */
export function parseTarget(target: string): { modulePath: string; exportName: string | undefined } {
  const colon = target.lastIndexOf(":");
  // A colon followed by an identifier names an export; anything else (C:\…, URLs) is part of the path.
  if (colon > 0 && /^[A-Za-z_$][\w$]*$/.test(target.slice(colon + 1))) {
    return { modulePath: target.slice(0, colon), exportName: target.slice(colon + 1) };
  }
  return { modulePath: target, exportName: undefined };
}

const TYPESCRIPT_EXTENSIONS = new Set([".ts", ".mts", ".cts"]);

/**
 * Registers tsx's loader, as `node --import tsx` does, when tsx can be resolved from the module's
 * project; `false` if not.
 */
async function registerTsx(file: string): Promise<boolean> {
  let loader: string;
  try {
    loader = nodeModule.createRequire(file).resolve("tsx");
  } catch {
    return false;
  }
  await import(pathToFileURL(loader).href);
  return true;
}

/** `./src/asgi.ts` → `./dist/asgi.js`: where the tutorial's tsconfig puts the compiled file. */
function compiledGuess(modulePath: string): string {
  const js = modulePath.replace(/\.([mc]?)ts$/, ".$1js");
  return js.replace(/(^|\/)src\//, "$1dist/");
}

function asApplication(value: unknown): Application | undefined {
  if (typeof value !== "function") return undefined;
  // A consumer class passed as such: use its factory.
  const asAsgi = (value as { asAsgi?: unknown }).asAsgi;
  if (typeof asAsgi === "function") return (asAsgi as () => Application).call(value);
  return value as Application;
}

/**
 * Imports an ESM or CommonJS module and returns its application: the named export, else
 * `application`, else the default export (`module.exports` itself for CommonJS).
 */
export async function loadApplication(target: string, cwd = process.cwd()): Promise<Application> {
  const { modulePath, exportName } = parseTarget(target);
  const file = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  const typescript = TYPESCRIPT_EXTENSIONS.has(extname(file));
  // TypeScript runs through tsx when the project has it (as `node --import tsx` would).
  if (typescript) await registerTsx(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(file)) {
      throw new Error(`Cannot find the application module ${file}: check the path (relative to ${cwd}).`);
    }
    if (code === "ERR_UNKNOWN_FILE_EXTENSION" && typescript) {
      throw new Error(
        `Node cannot run the TypeScript file ${modulePath} by itself. Either install tsx in the project ` +
          `(npm install --save-dev tsx), and channels runs it through tsx, or compile first and serve the ` +
          `JavaScript: npx tsc && npx channels serve ${compiledGuess(modulePath)}${exportName === undefined ? "" : `:${exportName}`}`,
      );
    }
    throw error;
  }
  const defaults = (mod.default ?? {}) as Record<string, unknown>;
  const names = exportName === undefined ? ["application", "default"] : [exportName];
  for (const name of names) {
    const app =
      name === "default"
        ? asApplication(mod.default)
        : (asApplication(mod[name]) ?? asApplication(defaults[name]));
    if (app !== undefined) return app;
  }
  const available = Object.keys(mod).join(", ") || "none";
  throw new Error(
    exportName === undefined
      ? `${file} exports no application: export one as "application" or as the default export (exports found: ${available}), or name it: ${modulePath}:myApp.`
      : `${file} has no function export "${exportName}" (exports found: ${available}).`,
  );
}
