// Every subpath export resolves for TypeScript's node10 resolution too (`"module": "commonjs"`),
// which ignores "exports": typesVersions must name each one, pointing at its CommonJS types.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | { require?: { types?: string } }>;
  typesVersions?: Record<string, Record<string, string[]>>;
};

describe("@channels-ts/core package.json", () => {
  it("has a typesVersions entry for every subpath, pointing at the subpath's require types", () => {
    const subpaths = Object.entries(pkg.exports).filter(([key]) => key !== "." && key !== "./package.json");
    expect(subpaths.length).toBeGreaterThan(0);
    for (const [key, target] of subpaths) {
      const name = key.slice(2);
      const types = typeof target === "string" ? undefined : target.require?.types;
      expect(pkg.typesVersions?.["*"]?.[name], `typesVersions["*"]["${name}"]`).toEqual([types]);
    }
  });
});
