// Type-checks every ```ts block of README.md and docs/**/*.md against the packages' sources.
// Each Markdown file becomes a folder of modules: a block whose first line is `// file: name.ts`
// is written under that name (so other blocks can import "./name"), the others as sample-N.ts.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "test-artifacts/doc-samples");

function markdownFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith(".md") ? [full] : [];
  });
}

rmSync(out, { recursive: true, force: true });
const files = [join(root, "README.md"), ...markdownFiles(join(root, "docs"))];
let blocks = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const folder = join(out, relative(root, file).replace(/[^\w.-]+/g, "_"));
  let index = 0;
  for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const code = match[1];
    const named = /^\/\/ file: ([\w./-]+\.ts)\n/.exec(code);
    const name = named ? named[1] : `sample-${++index}.ts`;
    mkdirSync(join(folder, name, ".."), { recursive: true });
    // `export {}` makes every block a module, so top-level await and same names across blocks work.
    writeFileSync(join(folder, name), `${code}\nexport {};\n`);
    blocks++;
  }
}
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.json",
    compilerOptions: { noEmit: true, baseUrl: "../..", noUnusedLocals: false },
    include: ["**/*.ts"],
  }),
);
console.log(`Type-checking ${blocks} TypeScript samples from ${files.length} Markdown files…`);
try {
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(out, "tsconfig.json")], { stdio: "inherit" });
} catch {
  console.error("A documentation sample does not compile: fix the sample (or the API) it names above.");
  process.exit(1);
}
console.log("All documentation samples compile.");
