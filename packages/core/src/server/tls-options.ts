import { readFileSync } from "node:fs";
import { ImproperlyConfigured } from "../exceptions";

/** Certificate and private key for `serve({ tls })`, PEM-encoded. */
export interface TlsOptions {
  /** The private key, PEM (the contents, not a path). */
  key: string | Buffer;
  /** The certificate chain, PEM (the contents, not a path): leaf first, then intermediates. */
  cert: string | Buffer;
  /**
   * Passphrase of an encrypted `key`.
   * @default undefined
   */
  passphrase?: string;
}

/**
 * Which HTTP versions `serve()` speaks. `true` needs `tls` and offers `h2` and `http/1.1` through
 * ALPN on one port (WebSockets as HTTP/1.1 upgrades or as HTTP/2 streams, RFC 8441); `"h2c"` is
 * cleartext HTTP/2 with prior knowledge only, for a proxy that speaks HTTP/2 to its backends
 * (WebSockets as HTTP/2 streams, RFC 8441); `false` is HTTP/1.1.
 */
export type Http2Mode = boolean | "h2c";

/** The kind of Node server `serve()` listens with. */
export type ListenerKind = "http" | "https" | "h2" | "h2c";

export interface Transport {
  kind: ListenerKind;
  tls: TlsOptions | null;
}

function isPem(value: unknown): value is string | Buffer {
  return (typeof value === "string" && value !== "") || (Buffer.isBuffer(value) && value.length > 0);
}

/** Checks `tls` and `http2` together; every error says what to change. */
export function resolveTransport(tls: unknown, http2: unknown): Transport {
  if (http2 !== undefined && typeof http2 !== "boolean" && http2 !== "h2c") {
    throw new ImproperlyConfigured(
      `Server option http2 must be true (HTTP/2 over TLS), "h2c" (cleartext HTTP/2) or false; got ${String(http2)}.`,
    );
  }
  if (tls === undefined || tls === null) {
    if (http2 === true) {
      throw new ImproperlyConfigured(
        'Server option http2: true needs tls: { key, cert } (browsers speak HTTP/2 only over TLS). For cleartext HTTP/2 behind a proxy, use http2: "h2c".',
      );
    }
    return { kind: http2 === "h2c" ? "h2c" : "http", tls: null };
  }
  if (typeof tls !== "object") {
    throw new ImproperlyConfigured(
      `Server option tls must be { key, cert } (PEM contents); got ${String(tls)}.`,
    );
  }
  const { key, cert, passphrase } = tls as Partial<TlsOptions>;
  if (!isPem(key) || !isPem(cert)) {
    throw new ImproperlyConfigured(
      `Server option tls needs both key and cert as PEM strings or Buffers; ${isPem(key) ? "cert" : "key"} is missing or empty. ` +
        "To load files, read them first: { key: readFileSync(keyPath), cert: readFileSync(certPath) }.",
    );
  }
  if (passphrase !== undefined && typeof passphrase !== "string") {
    throw new ImproperlyConfigured("Server option tls.passphrase must be a string.");
  }
  if (http2 === "h2c") {
    throw new ImproperlyConfigured(
      'Server option http2: "h2c" is cleartext HTTP/2 and cannot be combined with tls: use http2: true for HTTP/2 over TLS.',
    );
  }
  return { kind: http2 === true ? "h2" : "https", tls: { key, cert, passphrase } };
}

function readPem(path: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ImproperlyConfigured(
      `Cannot read the TLS ${what} ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path and its permissions.`,
    );
  }
}

/** The CLI's `--tls-key` / `--tls-cert`: both or neither; `undefined` when neither. */
export function readTlsFiles(
  keyPath: string | undefined,
  certPath: string | undefined,
): TlsOptions | undefined {
  if (keyPath === undefined && certPath === undefined) return undefined;
  if (keyPath === undefined || certPath === undefined) {
    throw new ImproperlyConfigured(
      `TLS needs both --tls-key and --tls-cert; ${keyPath === undefined ? "--tls-key" : "--tls-cert"} is missing.`,
    );
  }
  return {
    key: readPem(keyPath, "private key", "--tls-key"),
    cert: readPem(certPath, "certificate", "--tls-cert"),
  };
}
