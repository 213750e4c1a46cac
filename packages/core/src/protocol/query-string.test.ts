import { describe, expect, it } from "vitest";
import { redactQueryParams, withoutQueryParams } from "./query-string";

describe("query parameters by name", () => {
  it("redacts every value of the named parameters, however the name is spelled", () => {
    expect(redactQueryParams("room=1&token=s3cret&x=2", ["token"])).toBe("room=1&token=[redacted]&x=2");
    expect(redactQueryParams("token=a&token=b", ["token"])).toBe("token=[redacted]&token=[redacted]");
    expect(redactQueryParams("%74oken=s3cret", ["token"])).toBe("%74oken=[redacted]");
    expect(redactQueryParams("access+token=s3cret", ["access token"])).toBe("access+token=[redacted]");
    expect(redactQueryParams("tokens=1&mytoken=2", ["token"])).toBe("tokens=1&mytoken=2");
    expect(redactQueryParams("token", ["token"])).toBe("token=[redacted]");
    expect(redactQueryParams("token=a", [])).toBe("token=a");
    expect(redactQueryParams("", ["token"])).toBe("");
  });

  it("removes the named parameters and keeps the rest byte for byte", () => {
    expect(withoutQueryParams("room=a%20b&token=s3cret&x=2", ["token"])).toBe("room=a%20b&x=2");
    expect(withoutQueryParams("token=s3cret", ["token"])).toBe("");
    expect(withoutQueryParams("%74oken=s3cret&a=1", ["token"])).toBe("a=1");
    expect(withoutQueryParams("a=%zz", ["token"])).toBe("a=%zz");
  });

  it("reads names as URLSearchParams does", () => {
    for (const query of ["%74oken=x", "to%6Ben=x&a=1", "a=1&token=x"]) {
      expect(new URLSearchParams(query).get("token")).toBe("x");
      expect(redactQueryParams(query, ["token"])).not.toContain("=x");
    }
  });
});
