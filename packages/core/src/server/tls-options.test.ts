import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImproperlyConfigured } from "../exceptions";
import { readTlsFiles, resolveTransport } from "./tls-options";

const pem = { key: "-----BEGIN PRIVATE KEY-----", cert: "-----BEGIN CERTIFICATE-----" };

describe("resolveTransport", () => {
  it("picks the Node server from tls and http2", () => {
    expect(resolveTransport(undefined, undefined)).toEqual({ kind: "http", tls: null });
    expect(resolveTransport(undefined, false)).toEqual({ kind: "http", tls: null });
    expect(resolveTransport(undefined, "h2c")).toEqual({ kind: "h2c", tls: null });
    expect(resolveTransport(pem, undefined).kind).toBe("https");
    expect(resolveTransport(pem, true).kind).toBe("h2");
  });

  it("says what to do about bad combinations", () => {
    expect(() => resolveTransport(undefined, true)).toThrow(ImproperlyConfigured);
    expect(() => resolveTransport(undefined, true)).toThrow(/needs tls: \{ key, cert \}.*"h2c"/);
    expect(() => resolveTransport({ cert: pem.cert }, true)).toThrow(/key is missing/);
    expect(() => resolveTransport({ key: pem.key }, undefined)).toThrow(/cert is missing/);
    expect(() => resolveTransport({ key: "", cert: pem.cert }, undefined)).toThrow(/key is missing or empty/);
    expect(() => resolveTransport(pem, "h2c")).toThrow(/use http2: true/);
    expect(() => resolveTransport(undefined, "yes")).toThrow(/must be true .* "h2c" .* or false/);
    expect(() => resolveTransport("key.pem", true)).toThrow(/must be \{ key, cert \}/);
    expect(() => resolveTransport({ ...pem, passphrase: 1 }, true)).toThrow(/passphrase must be a string/);
  });
});

describe("readTlsFiles", () => {
  it("reads both files, or neither", () => {
    const dir = mkdtempSync(join(tmpdir(), "channels-tls-options-"));
    try {
      writeFileSync(join(dir, "key.pem"), pem.key);
      writeFileSync(join(dir, "cert.pem"), pem.cert);
      const tls = readTlsFiles(join(dir, "key.pem"), join(dir, "cert.pem"));
      expect(tls?.key.toString()).toBe(pem.key);
      expect(tls?.cert.toString()).toBe(pem.cert);
      expect(readTlsFiles(undefined, undefined)).toBeUndefined();
      expect(() => readTlsFiles(join(dir, "key.pem"), undefined)).toThrow(/--tls-cert is missing/);
      expect(() => readTlsFiles(undefined, join(dir, "cert.pem"))).toThrow(/--tls-key is missing/);
      expect(() => readTlsFiles(join(dir, "nope.pem"), join(dir, "cert.pem"))).toThrow(
        /Cannot read the TLS private key --tls-key .*nope\.pem: ENOENT/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
