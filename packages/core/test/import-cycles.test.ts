import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// No module of packages/*/src may import itself back through others: a cycle makes the order in
// which modules initialise depend on which one is imported first, and hides a layering mistake.
// Type-only imports count too: they show the same tangle, even though they vanish at run time.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const packages = join(root, "packages");

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !/\.test(-d)?\.ts$/.test(name)) files.push(path);
  }
  return files;
}

/** The file a specifier names: relative ones, and `@channels-ts/<package>[/<subpath>]` as the vitest aliases map them. */
function resolveSpecifier(from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith(".")) base = resolve(dirname(from), specifier);
  else {
    const match = /^@channels-ts\/([^/]+)(?:\/(.+))?$/.exec(specifier);
    if (match === null) return null;
    base = join(packages, match[1] as string, "src", match[2] ?? "index");
  }
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts"), base.replace(/\.js$/, ".ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, "src");
    if (!existsSync(src)) continue;
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, "utf8");
      const targets: string[] = [];
      for (const match of text.matchAll(IMPORT)) {
        const target = resolveSpecifier(file, (match[1] ?? match[2]) as string);
        if (target !== null) targets.push(target);
      }
      graph.set(file, targets);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first search, each as the list of files around it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "active");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const seen = state.get(next);
      if (seen === "active") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("imports in packages/*/src", () => {
  it("the search finds a cycle when there is one", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycles(graph)).toEqual([["a", "b", "c", "a"]]);
  });

  it("form no cycle", () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(root, file)).join(" → "));
    expect(cycles).toEqual([]);
  });
});
