import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadApplication, parseTarget } from "./load-application";

const fixtures = resolve(__dirname, "../../test/fixtures");

describe("parseTarget", () => {
  it("splits module and export", () => {
    expect(parseTarget("./dist/asgi.js:application")).toEqual({
      modulePath: "./dist/asgi.js",
      exportName: "application",
    });
    expect(parseTarget("./dist/asgi.js")).toEqual({ modulePath: "./dist/asgi.js", exportName: undefined });
    expect(parseTarget("C:\\app\\asgi.js")).toEqual({
      modulePath: "C:\\app\\asgi.js",
      exportName: undefined,
    });
  });
});

describe("loadApplication", () => {
  it("loads `application` from an ES module, a named export, and a CommonJS module.exports", async () => {
    const esm = await loadApplication("esm-app.mjs", fixtures);
    expect(esm.name).toBe("application");
    expect((await loadApplication("esm-app.mjs:other", fixtures)).name).toBe("other");
    expect(typeof (await loadApplication(resolve(fixtures, "cjs-app.cjs")))).toBe("function");
  });

  it("says what is missing", async () => {
    await expect(loadApplication("esm-app.mjs:nope", fixtures)).rejects.toThrow(/no function export "nope"/);
    await expect(loadApplication("missing.mjs", fixtures)).rejects.toThrow(
      /Cannot find the application module/,
    );
  });
});
