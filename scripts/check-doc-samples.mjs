// Type-checks every ```ts block of README.md, docs/**/*.md and the packages' READMEs as a user
// compiles them: against the built packages (as npm installs them), under the tutorial's
// tsconfig (module/moduleResolution NodeNext, strict), with TypeScript 5 and, unless
// --no-ts7, TypeScript 7 too. Then it runs the samples marked as complete programs.
//
// Each Markdown file becomes a folder of modules: a block whose first line is `// file: name.ts`
// is written under that name (so other blocks can import "./name.js"), the others as sample-N.ts.
// A block preceded by the line `<!-- run -->` is a complete program: it must exit with 0.
//
// Needs the packages built (`pnpm build`); builds them when a dist/ is missing.
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "test-artifacts/doc-samples");
const withTs7 = !process.argv.includes("--no-ts7");
/** The TypeScript 7 the samples are also checked with; installed from npm into a cache on first use. */
const TS7_VERSION = "7.0.2";

function markdownFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith(".md") ? [full] : [];
  });
}

const packagesDir = join(root, "packages");
const packages = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, "package.json")),
);
const published = packages.filter((name) => !readJson(join(packagesDir, name, "package.json")).private);

function readJson(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

// Samples import the packages as users do, through package.json "exports" into dist/.
if (published.some((name) => !existsSync(join(packagesDir, name, "dist")))) {
  console.log("Building the packages (a dist/ is missing)…");
  execFileSync("pnpm", ["-r", "--filter", "./packages/*", "build"], { cwd: root, stdio: "inherit" });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// node_modules of the samples' project: our packages, and what the packages themselves depend on
// (ws, ioredis, express, …) so samples can import them too. The root's (vitest, @types/node) is
// found by walking up, as in any project.
const modules = join(out, "node_modules");
function link(name, target) {
  const at = join(modules, name);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, "dir");
}
for (const name of published)
  link(readJson(join(packagesDir, name, "package.json")).name, join(packagesDir, name));
for (const name of packages) {
  const own = join(packagesDir, name, "node_modules");
  if (!existsSync(own)) continue;
  for (const entry of readdirSync(own)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const scoped of readdirSync(join(own, entry)))
        link(`${entry}/${scoped}`, join(own, entry, scoped));
    } else link(entry, join(own, entry));
  }
}

const files = [
  join(root, "README.md"),
  ...markdownFiles(join(root, "docs")),
  ...packages.map((name) => join(packagesDir, name, "README.md")).filter((file) => existsSync(file)),
];
let blocks = 0;
const programs = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const folder = join(out, relative(root, file).replace(/[^\w.-]+/g, "_"));
  let index = 0;
  for (const match of text.matchAll(/^(<!-- run -->\n(?:\n)?)?```ts\n([\s\S]*?)^```$/gm)) {
    const code = match[2];
    const named = /^\/\/ file: ([\w./-]+\.ts)\n/.exec(code);
    const name = named ? named[1] : `sample-${++index}.ts`;
    mkdirSync(join(folder, name, ".."), { recursive: true });
    // `export {}` makes every block a module, so top-level await and same names across blocks work.
    writeFileSync(join(folder, name), `${code}\nexport {};\n`);
    blocks++;
    if (match[1])
      programs.push({ source: relative(root, file), name, js: join(relative(out, folder), name) });
  }
}
writeFileSync(join(out, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
// The tutorial's tsconfig (docs/tutorial/part-1.md), with the samples' folders as the sources.
const compilerOptions = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  strict: true,
  skipLibCheck: true,
  noEmitOnError: true,
  outDir: ".js",
  rootDir: ".",
};
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({ compilerOptions, include: ["**/*.ts"], exclude: ["node_modules", ".js"] }, null, 2),
);

function typescript7() {
  const dir = join(root, "test-artifacts/typescript-7");
  const tsc = join(dir, "node_modules/.bin/tsc");
  if (!existsSync(tsc)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
    console.log(`Installing typescript@${TS7_VERSION} from npm into ${relative(root, dir)}…`);
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `typescript@${TS7_VERSION}`], {
      cwd: dir,
      stdio: "inherit",
    });
  }
  return tsc;
}

const compilers = [["TypeScript 5", join(root, "node_modules/.bin/tsc")]];
if (withTs7) compilers.push(["TypeScript 7", typescript7()]);
console.log(
  `Type-checking ${blocks} TypeScript samples from ${files.length} Markdown files (NodeNext, strict)…`,
);
for (const [label, tsc] of compilers) {
  const version = execFileSync(tsc, ["--version"], { encoding: "utf8" }).trim();
  // TypeScript 5 emits the JavaScript the program samples run from; 7 only checks.
  const args = ["-p", join(out, "tsconfig.json")];
  if (label !== "TypeScript 5") args.push("--noEmit");
  const result = spawnSync(tsc, args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(
      `A documentation sample does not compile with ${version}: fix the sample (or the API) it names above.`,
    );
    process.exit(1);
  }
  console.log(`All documentation samples compile with ${version}.`);
}

for (const program of programs) {
  const script = join(out, ".js", program.js.replace(/\.ts$/, ".js"));
  const result = spawnSync(process.execPath, [script], {
    cwd: dirname(script),
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    console.error(
      `${program.source} (${program.name}) did not run to completion (exit ${result.status}${result.signal ? `, ${result.signal}` : ""}):`,
    );
    console.error(result.stdout + result.stderr);
    process.exit(1);
  }
  console.log(`ran ${program.source} (${program.name}): ok`);
}
console.log(`${programs.length} complete program(s) ran.`);
