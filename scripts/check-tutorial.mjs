// Follows the tutorial as a new user does, outside the monorepo: packs the packages (`pnpm pack`),
// installs the tarballs with npm into a fresh app in the system's temp directory, writes the
// tutorial's files (parts 1-3, taken from docs/tutorial/*.md as written), runs its npm commands,
// compiles with `npx tsc`, runs its tests with `npm test`, and serves it with the `channels`
// command (compiled, and the TypeScript source through tsx). Then a CommonJS TypeScript app
// (`"module": "commonjs"`, node10 resolution, as most Express apps) imports every subpath,
// compiles and runs. Uses the npm registry for typescript, tsx, @types/node and vitest.
//
// Part 4 (Redis, two processes) is not run here: the Redis layer has its own integration tests.
import { execFile, execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The CommonJS app: every subpath imported, a communicator, the server, an unknown route. */
const CJS_MAIN = `import { AsyncHttpConsumer, ProtocolTypeRouter, URLRouter, path } from "@channels-ts/core";
import { serve } from "@channels-ts/core/server";
import { HttpCommunicator } from "@channels-ts/core/testing";
import { BaseChannelLayer } from "@channels-ts/core/layers";
import { InMemoryChannelLayer } from "@channels-ts/layer-memory";

class Hello extends AsyncHttpConsumer {
  async handle() {
    await this.sendResponse(200, "hello");
  }
}

const application = ProtocolTypeRouter({ http: URLRouter([path("hello/", Hello.asAsgi())]) });

async function main(): Promise<void> {
  const response = await new HttpCommunicator(application, "GET", "/hello/").getResponse();
  const server = await serve(application, {
    host: "127.0.0.1",
    port: 0,
    logger: null,
    layers: { default: new InMemoryChannelLayer() },
  });
  if (!(new InMemoryChannelLayer() instanceof BaseChannelLayer)) throw new Error("two copies of the layer base");
  const missing = await fetch(server.url + "/nowhere/");
  await server.close();
  console.log("cjs ok:", missing.status, new TextDecoder().decode(response.body));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const root = new URL("..", import.meta.url).pathname;
const tutorial = join(root, "docs/tutorial");
const work = mkdtempSync(join(tmpdir(), "channels-tutorial-"));
const keep = process.argv.includes("--keep");
const started = Date.now();

function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
}

// The app must not find the monorepo's packages through pnpm's NODE_PATH.
const { NODE_PATH: _ignored, ...cleanEnv } = process.env;
const env = {
  ...cleanEnv,
  NO_COLOR: "1",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

function run(command, args, cwd) {
  log(`$ ${command} ${args.join(" ")}`);
  return execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function fail(message, error) {
  console.error(`Tutorial check failed: ${message}`);
  if (error) console.error(String(error.stdout ?? "") + String(error.stderr ?? "") || error);
  console.error(`The app is kept in ${work}`);
  process.exit(1);
}

try {
  // 1. Pack the published packages.
  const packs = join(work, "packs");
  mkdirSync(packs);
  const packages = ["core", "layer-memory", "client"];
  for (const name of packages) {
    if (!existsSync(join(root, "packages", name, "dist")))
      run("pnpm", ["build"], join(root, "packages", name));
    run("pnpm", ["pack", "--pack-destination", packs], join(root, "packages", name));
  }
  const tarball = (name) =>
    join(
      packs,
      readdirSync(packs).find((file) => file.startsWith(`channels-ts-${name}-`)),
    );

  const cjsApp = commonJsApp(tarball);

  // 2. Part 1: the project, with the npm commands the tutorial gives.
  const app = join(work, "mysite");
  mkdirSync(app);
  const part1 = readFileSync(join(tutorial, "part-1.md"), "utf8");
  for (const line of shellLines(part1).filter((l) => l.startsWith("npm "))) {
    // The tutorial installs the packages by name; here they are the tarballs just packed.
    const args = line
      .slice(4)
      .split(/\s+/)
      .map((word) => (word.startsWith("@channels-ts/") ? tarball(word.slice("@channels-ts/".length)) : word));
    try {
      run("npm", args, app);
    } catch (error) {
      fail(`npm ${args.join(" ")}`, error);
    }
  }
  const tsconfig = /Add a `tsconfig.json`:\n\n```json\n([\s\S]*?)```/.exec(part1);
  if (!tsconfig) fail("docs/tutorial/part-1.md has no tsconfig.json block after 'Add a `tsconfig.json`:'");
  writeFileSync(join(app, "tsconfig.json"), tsconfig[1]);

  // 3. The files of parts 1-3, in order: a later part's version of a file replaces the earlier.
  const written = [];
  for (const part of ["part-1.md", "part-2.md", "part-3.md"]) {
    const text = readFileSync(join(tutorial, part), "utf8");
    for (const [, code] of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      const named = /^\/\/ file: (src\/[\w./-]+\.ts)\n/.exec(code);
      if (!named) continue;
      mkdirSync(dirname(join(app, named[1])), { recursive: true });
      writeFileSync(join(app, named[1]), code);
      written.push(`${part}:${named[1]}`);
    }
    if (part === "part-3.md") {
      for (const line of shellLines(text).filter((l) => l.startsWith("npm ") && l !== "npm test")) {
        run("npm", splitShell(line.slice(4)), app);
      }
    }
  }
  log(`wrote ${written.length} files from the tutorial`);

  // 4. Compile and test, as the tutorial says.
  try {
    run("npx", ["tsc"], app);
  } catch (error) {
    fail("npx tsc (the tutorial's sources under its tsconfig)", error);
  }
  let testOutput;
  try {
    testOutput = run("npm", ["test"], app);
  } catch (error) {
    fail("npm test", error);
  }
  const files = /Test Files\s+(\d+) passed \((\d+)\)/.exec(testOutput);
  if (!files) fail(`npm test printed no passing test files:\n${testOutput}`);
  if (files[2] !== "1")
    fail(`npm test ran ${files[2]} test files; the tutorial has one (are compiled copies in dist/ run too?)`);
  log(`npm test: ${files[0]}`);

  // 5. Serve it with the channels command: the compiled module, then the source through tsx.
  await serveAndProbe(app, ["serve", "./dist/asgi.js:application", "--port", "0"]);
  await serveAndProbe(app, ["serve", "./src/asgi.ts", "--port", "0"]);
  const usage = spawnResult(app, ["channels"]);
  if (usage.status !== 2 || !usage.stderr.includes("channels serve <module>")) {
    fail(`npx channels without arguments should exit 2 with the usage on stderr; got ${usage.status}`);
  }

  // 6. The CommonJS app, set up meanwhile.
  await cjsApp;
  log("the tutorial works as written");
} catch (error) {
  fail("unexpected error", error);
} finally {
  if (!keep && process.exitCode !== 1) rmSync(work, { recursive: true, force: true });
}

/** The lines of every ```sh block. */
function shellLines(markdown) {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap(([, block]) =>
    block
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean),
  );
}

/** Splits `pkg set scripts.test="vitest run --dir src"` into words, honouring double quotes. */
function splitShell(line) {
  return [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map(([word]) => word.replace(/"/g, ""));
}

function spawnResult(cwd, args) {
  try {
    const stdout = execFileSync("npx", args, {
      cwd,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    return { status: error.status, stdout: error.stdout, stderr: error.stderr };
  }
}

/** Starts `npx channels …`, fetches /chat/ (200) and /favicon.ico (404), then stops it with SIGTERM. */
async function serveAndProbe(cwd, args) {
  log(`$ npx channels ${args.join(" ")}`);
  // The installed bin itself (what npx runs), so the signal reaches the server and not npm.
  const child = spawn(join(cwd, "node_modules/.bin/channels"), args, {
    cwd,
    env: { ...env, NODE_ENV: "production" },
  });
  let output = "";
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "serving … on" line within 30 s:\n${output}`)),
        30_000,
      );
      const onData = (chunk) => {
        output += chunk;
        const match = /on (http:\/\/[\d.:]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      exited.then((code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    const page = await fetch(`${url}/chat/`);
    if (page.status !== 200) throw new Error(`GET /chat/ answered ${page.status}`);
    const favicon = await fetch(`${url}/favicon.ico`);
    if (favicon.status !== 404) throw new Error(`GET /favicon.ico answered ${favicon.status}, not 404`);
    if (/RouteNotFound|Exception inside application/.test(output))
      throw new Error(`an unknown route was logged as an error:\n${output}`);
  } catch (error) {
    child.kill("SIGKILL");
    fail(`npx channels ${args.join(" ")}: ${error.message}`);
  }
  child.kill("SIGTERM");
  const code = await Promise.race([
    exited,
    new Promise((resolve) => setTimeout(() => resolve("timeout"), 15_000)),
  ]);
  if (code !== 0) {
    if (code === "timeout") child.kill("SIGKILL");
    fail(`npx channels ${args.join(" ")} did not shut down cleanly on SIGTERM (${code}):\n${output}`);
  }
  log(`served /chat/ (200) and /favicon.ico (404), stopped cleanly`);
}

/** A CommonJS TypeScript app (node10 resolution) imports every subpath, compiles and runs. */
async function commonJsApp(tarball) {
  const cjs = join(work, "cjs-app");
  mkdirSync(join(cjs, "src"), { recursive: true });
  const step = async (command, args) => {
    log(`(cjs) $ ${command} ${args.join(" ")}`);
    try {
      return (await execFileAsync(command, args, { cwd: cjs, env, encoding: "utf8" })).stdout;
    } catch (error) {
      fail(`the CommonJS app: ${command} ${args.join(" ")}`, error);
    }
  };
  await step("npm", ["init", "-y"]);
  // TypeScript 7 dropped node10 resolution: a CommonJS project of this kind stays on TypeScript 5.
  await step("npm", ["install", tarball("core"), tarball("layer-memory")]);
  await step("npm", ["install", "--save-dev", "typescript@5", "@types/node@20"]);
  writeFileSync(
    join(cjs, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "commonjs",
          strict: true,
          outDir: "dist",
          rootDir: "src",
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(cjs, "src/main.ts"), CJS_MAIN);
  await step("npx", ["tsc"]);
  const output = await step("node", ["dist/main.js"]);
  if (!output.includes("cjs ok: 404 hello")) fail(`the CommonJS app printed:\n${output}`);
  log("CommonJS app: compiled (node10 resolution) and ran");
}
