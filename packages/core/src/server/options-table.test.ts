import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveOptions } from "./options";
import { DEFAULTS, type OptionRow, optionsDocTable, SERVER_OPTIONS, serveFlags } from "./options-table";

const root = resolve(__dirname, "../../../..");
const DOCS = resolve(root, "docs/topics/server.md");
const START = "<!-- server-options:start (generated from packages/core/src/server/options-table.ts) -->";
const END = "<!-- server-options:end -->";
const rows = Object.entries(SERVER_OPTIONS as Record<string, OptionRow>);

describe("the options table", () => {
  it("is the table of docs/topics/server.md (node scripts/update-server-options-docs.mjs rewrites it)", () => {
    const docs = readFileSync(DOCS, "utf8");
    const start = docs.indexOf(START);
    const end = docs.indexOf(END);
    expect(start, `docs/topics/server.md lacks the marker ${START}`).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const generated = `${START}\n${optionsDocTable()}\n${END}`;
    const current = docs.slice(start, end + END.length);
    if (process.env.CHANNELS_UPDATE_DOCS === "1" && current !== generated) {
      writeFileSync(DOCS, docs.replace(current, generated));
      return;
    }
    expect(current, "the docs table is stale: run node scripts/update-server-options-docs.mjs").toBe(
      generated,
    );
  });

  it("agrees with the @default of every option's JSDoc in options.ts", () => {
    const source = readFileSync(resolve(__dirname, "options.ts"), "utf8");
    const documented = new Map<string, string>();
    for (const match of source.matchAll(/@default ([^\n]+)\n\s*\*\/\n\s*(\w+)\?:/g)) {
      documented.set(match[2] as string, (match[1] as string).trim());
    }
    for (const [name, row] of rows) {
      const text = documented.get(name);
      expect(text, `options.ts has no @default for ${name}`).toBeDefined();
      if (row.shown !== undefined) continue; // described in words ("console access log")
      const value = text === "undefined" ? undefined : JSON.parse((text as string).replaceAll("_", ""));
      expect(value, name).toEqual(row.default);
    }
  });

  it("gives resolveOptions its defaults and DEFAULTS every default", () => {
    const resolved = resolveOptions({}) as Record<string, unknown>;
    for (const [name, row] of rows) {
      if (row.check !== undefined) expect(resolved[name], name).toEqual(row.default);
      if (row.default !== undefined)
        expect((DEFAULTS as Record<string, unknown>)[name], name).toEqual(row.default);
    }
  });

  it("gives every CLI flag a distinct name and a default to show", () => {
    const flags = serveFlags();
    expect(new Set(flags.map((f) => f.flag)).size).toBe(flags.length);
    for (const flag of flags) expect(flag.shown, flag.flag).not.toBe("");
  });
});
