import { describe, expect, it } from "vitest";
import { ImproperlyConfigured } from "../exceptions";
import { DEFAULTS, resolveOptions } from "./options";

describe("resolveOptions", () => {
  it("applies DESIGN.md's defaults", () => {
    expect(resolveOptions({})).toEqual({
      rootPath: "",
      proxyHeaders: false,
      handshakeTimeoutMs: 5_000,
      pingIntervalMs: 20_000,
      pingTimeoutMs: 30_000,
      maxMessageBytes: 1_048_576,
      maxBufferedBytes: 4_194_304,
      maxPendingHandshakes: 1_000,
      maxRequestBodyBytes: 2_621_440,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 300_000,
      maxHeaderBytes: 16_384,
      applicationCloseTimeoutMs: 10_000,
      httpTimeoutMs: undefined,
      perMessageDeflate: false,
      redactQueryParams: ["token", "access_token"],
    });
    expect(DEFAULTS.host).toBe("127.0.0.1");
    expect(DEFAULTS.port).toBe(8000);
  });

  it("keeps given values; pingIntervalMs 0 turns keepalive off", () => {
    expect(resolveOptions({ pingIntervalMs: 0, httpTimeoutMs: 30_000, rootPath: "/app" })).toMatchObject({
      pingIntervalMs: 0,
      httpTimeoutMs: 30_000,
      rootPath: "/app",
    });
  });

  it.each([
    [{ handshakeTimeoutMs: -1 }, /handshakeTimeoutMs must be a number of milliseconds > 0/],
    [{ handshakeTimeoutMs: 0 }, /handshakeTimeoutMs/],
    [{ pingTimeoutMs: Number.NaN }, /pingTimeoutMs/],
    [{ maxMessageBytes: 1.5 }, /maxMessageBytes must be a positive integer/],
    [{ maxBufferedBytes: "4MB" }, /maxBufferedBytes/],
    [{ rootPath: "app/" }, /rootPath must be "" or a path like "\/app"/],
    [{ proxyHeaders: "yes" }, /proxyHeaders must be true or false/],
    [{ logger: { info() {} } }, /logger must have info, warn and error/],
    [{ layers: null }, /layers must be an object/],
    [{ redactQueryParams: "token" }, /redactQueryParams must be an array of non-empty strings/],
    [{ redactQueryParams: [""] }, /redactQueryParams/],
  ])("refuses %o", (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(ImproperlyConfigured);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });
});
