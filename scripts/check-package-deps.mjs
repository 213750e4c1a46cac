// Package boundaries: every workspace package imports only the workspace packages its package.json
// declares (dependencies, devDependencies or peerDependencies), reaches into no other package's
// folder by a relative path, and the declared graph between packages has no cycle.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const workspaceDirs = ["packages", "examples"].flatMap((parent) =>
  readdirSync(join(root, parent)).map((name) => join(root, parent, name)),
);
workspaceDirs.push(join(root, "bench"));

/** name → { dir, declared } for every workspace package. */
const packages = new Map();
for (const dir of workspaceDirs) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch {
    continue;
  }
  const declared = new Set(
    ["dependencies", "devDependencies", "peerDependencies"].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    ),
  );
  packages.set(manifest.name, { dir, declared });
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(c|m)?(t|j)sx?$/.test(entry) && !entry.endsWith(".d.ts")) yield path;
  }
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
const problems = [];
for (const [name, { dir, declared }] of packages) {
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1];
      const where = relative(root, file);
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier);
        if (target !== dir && !target.startsWith(dir + sep))
          problems.push(
            `${where} imports "${specifier}", outside ${name}: import the package by its name instead`,
          );
        continue;
      }
      const imported = specifier.startsWith("@")
        ? specifier.split("/").slice(0, 2).join("/")
        : specifier.split("/")[0];
      if (!packages.has(imported) || imported === name) continue;
      if (!declared.has(imported))
        problems.push(`${where} imports ${imported}, which ${name}'s package.json does not declare`);
    }
  }
}

// A cycle in the declared graph between workspace packages.
const state = new Map();
const stack = [];
function visit(name) {
  if (state.get(name) === "done") return;
  if (state.get(name) === "open") {
    problems.push(
      `a dependency cycle between packages: ${[...stack.slice(stack.indexOf(name)), name].join(" → ")}`,
    );
    return;
  }
  state.set(name, "open");
  stack.push(name);
  for (const dep of packages.get(name).declared) if (packages.has(dep) && dep !== name) visit(dep);
  stack.pop();
  state.set(name, "done");
}
for (const name of packages.keys()) visit(name);

if (problems.length > 0) {
  console.error(`Package boundaries broken:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `Package boundaries hold: ${packages.size} packages, each importing only what it declares, no cycle.`,
);
