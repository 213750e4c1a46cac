import { describe, expect, it } from "vitest";
import { copyScope } from "./copy-scope";

describe("copyScope", () => {
  it("copies shallowly, with the extra keys on top, leaving the original alone", () => {
    const headers: Array<[string, string]> = [["host", "example.com"]];
    const scope = { type: "websocket", path: "/a/", headers, user: "old" };
    const copy = copyScope(scope, { user: "new", path_remaining: "" });
    expect(copy).toEqual({ type: "websocket", path: "/a/", headers, user: "new", path_remaining: "" });
    expect(copy.headers).toBe(headers);
    expect(scope.user).toBe("old");
    expect(copyScope(scope)).not.toBe(scope);
    expect(copyScope(scope)).toEqual(scope);
  });
});
