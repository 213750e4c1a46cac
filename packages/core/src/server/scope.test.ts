import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { resolveOptions } from "./options";
import { BadRequest, decodePath, isToken, parseSubprotocols, requestParts, scopeHeaders } from "./scope";

function fakeRequest(url: string, rawHeaders: string[], encrypted = false): IncomingMessage {
  return {
    url,
    rawHeaders,
    socket: {
      remoteAddress: "127.0.0.1",
      remotePort: 5000,
      localAddress: "127.0.0.1",
      localPort: 8000,
      encrypted,
    },
  } as unknown as IncomingMessage;
}

describe("scopeHeaders", () => {
  it("lower-cases names, keeps order and duplicates, drops names with _", () => {
    expect(
      scopeHeaders(["Host", "x", "X_Under", "1", "Cookie", "a=1", "cookie", "b=2", "X-Ok", "2"]),
    ).toEqual([
      ["host", "x"],
      ["cookie", "a=1"],
      ["cookie", "b=2"],
      ["x-ok", "2"],
    ]);
  });

  it("removes HTTP/2 pseudo-headers, :authority becoming host", () => {
    expect(
      scopeHeaders([
        ":method",
        "GET",
        ":path",
        "/",
        ":authority",
        "example.com",
        ":scheme",
        "https",
        "accept",
        "*/*",
      ]),
    ).toEqual([
      ["host", "example.com"],
      ["accept", "*/*"],
    ]);
  });
});

describe("decodePath", () => {
  it("decodes UTF-8 escapes, including %2F, and refuses malformed ones", () => {
    expect(decodePath("/plain/")).toBe("/plain/");
    expect(decodePath("/foo%2Fbar/%C3%A9")).toBe("/foo/bar/é");
    expect(decodePath("/bad%zz")).toBeNull();
    expect(decodePath("/bad%C3")).toBeNull();
  });
});

describe("parseSubprotocols", () => {
  it("splits on commas and trims, keeping each value byte for byte (no percent-decoding)", () => {
    expect(parseSubprotocols("one, two")).toEqual(["one", "two"]);
    expect(parseSubprotocols("a%20b")).toEqual(["a%20b"]);
    expect(parseSubprotocols("chat%0D%0ASet-Cookie%3A%20x%3D1")).toEqual(["chat%0D%0ASet-Cookie%3A%20x%3D1"]);
    expect(parseSubprotocols(undefined)).toEqual([]);
    expect(parseSubprotocols("")).toEqual([]);
  });
});

describe("isToken", () => {
  it("takes RFC 7230 tchars only", () => {
    expect(isToken("chat.v2")).toBe(true);
    expect(isToken("bearer.eyJhbGciOi_-x")).toBe(true);
    expect(isToken("a%0D%0Ab")).toBe(true);
    expect(isToken("")).toBe(false);
    expect(isToken("a b")).toBe(false);
    expect(isToken("a\r\nSet-Cookie: x=1")).toBe(false);
    expect(isToken("a,b")).toBe(false);
    expect(isToken("é")).toBe(false);
  });
});

describe("requestParts", () => {
  const plain = resolveOptions({});
  const proxied = resolveOptions({ proxyHeaders: true });

  it("splits path and query, keeps raw_path", () => {
    expect(requestParts(fakeRequest("/a%20b/?x=1&y=%20", []), plain)).toMatchObject({
      path: "/a b/",
      raw_path: "/a%20b/",
      query_string: "x=1&y=%20",
      client: ["127.0.0.1", 5000],
      server: ["127.0.0.1", 8000],
      scheme: "http",
    });
  });

  it("takes the path of an absolute-form target", () => {
    expect(requestParts(fakeRequest("http://example.com/p?q", []), plain)).toMatchObject({
      path: "/p",
      query_string: "q",
    });
  });

  it("reports https for TLS sockets", () => {
    expect(requestParts(fakeRequest("/", [], true), plain).scheme).toBe("https");
  });

  it("uses X-Forwarded-* only with proxyHeaders", () => {
    const headers = [
      "X-Forwarded-For",
      "10.1.2.3, 10.9.9.9",
      "X-Forwarded-Port",
      "443",
      "X-Forwarded-Proto",
      "https",
    ];
    expect(requestParts(fakeRequest("/", headers), proxied)).toMatchObject({
      client: ["10.1.2.3", 443],
      scheme: "https",
    });
    expect(requestParts(fakeRequest("/", headers), plain)).toMatchObject({
      client: ["127.0.0.1", 5000],
      scheme: "http",
    });
    expect(requestParts(fakeRequest("/", ["X-Forwarded-For", "10.1.2.3"]), proxied).client).toEqual([
      "10.1.2.3",
      0,
    ]);
  });

  it("throws BadRequest on malformed escapes", () => {
    expect(() => requestParts(fakeRequest("/%zz", []), plain)).toThrow(BadRequest);
  });
});
