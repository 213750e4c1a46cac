import { describe, expect, it } from "vitest";
import { checkBody, checkCloseCode, checkCloseReason, checkHeaders, checkStatus } from "./validate";

describe("event validation", () => {
  it("checkStatus takes integers 100-999", () => {
    expect(checkStatus(204, "e")).toBe(204);
    expect(() => checkStatus(99, "e")).toThrow(/integer HTTP status/);
    expect(() => checkStatus("200", "e")).toThrow(TypeError);
  });

  it("checkHeaders flattens pairs and reports framing headers", () => {
    const flat: string[] = [];
    expect(
      checkHeaders(
        [
          ["Content-Length", "3"],
          ["x", "y"],
        ],
        "e",
        flat,
      ),
    ).toBe(true);
    expect(flat).toEqual(["Content-Length", "3", "x", "y"]);
    expect(checkHeaders([["transfer-encoding", "chunked"]], "e", [])).toBe(true);
    expect(checkHeaders([["x", "y"]], "e", [])).toBe(false);
    expect(checkHeaders(undefined, "e", [])).toBe(false);
    expect(() => checkHeaders({ x: "y" }, "e", [])).toThrow(/array of \[name, value\]/);
    expect(() => checkHeaders([["x"]], "e", [])).toThrow(/pairs of strings/);
  });

  it("checkBody takes Uint8Array, refuses strings with a hint", () => {
    expect(checkBody(undefined, "e")).toHaveLength(0);
    expect(checkBody(Buffer.from("ab"), "e")).toHaveLength(2);
    expect(() => checkBody("ab", "e")).toThrow(/TextEncoder/);
  });

  it("checkCloseCode allows application codes, not reserved ones", () => {
    expect(checkCloseCode(undefined)).toBe(1000);
    expect(checkCloseCode(4000)).toBe(4000);
    expect(checkCloseCode(1011)).toBe(1011);
    for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5])
      expect(() => checkCloseCode(code)).toThrow(TypeError);
  });

  it("checkCloseReason limits the reason to 123 bytes", () => {
    expect(checkCloseReason(undefined)).toBe("");
    expect(checkCloseReason("bye")).toBe("bye");
    expect(() => checkCloseReason("é".repeat(62))).toThrow(/123 bytes/);
  });
});
