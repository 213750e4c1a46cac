import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as connectHttp2,
  constants,
} from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { within } from "./helpers";

export interface Certificate {
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
  /** Removes the files. */
  remove(): void;
}

/** A self-signed certificate for 127.0.0.1, made with Debian's openssl (no network). */
export function makeCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "channels-tls-"));
  const keyPath = join(dir, "key.pem");
  const certPath = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "pipe" },
  );
  return {
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    keyPath,
    certPath,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens an HTTP/2 session; `ca` trusts the test certificate. Resolves once connected. */
export function openSession(url: string, ca?: Buffer): Promise<ClientHttp2Session> {
  const session = connectHttp2(url, ca === undefined ? {} : { ca });
  session.on("error", () => {});
  return within(
    new Promise<ClientHttp2Session>((resolve, reject) => {
      session.once("connect", () => resolve(session));
      session.once("error", reject);
    }),
    5_000,
    `HTTP/2 connection to ${url}`,
  );
}

export interface Http2Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  trailers: Record<string, string | string[] | undefined>;
}

/** Reads a whole response from `stream`. */
export function readResponse(stream: ClientHttp2Stream): Promise<Http2Response> {
  return within(
    new Promise<Http2Response>((resolve, reject) => {
      let status = 0;
      let headers: Http2Response["headers"] = {};
      let trailers: Http2Response["trailers"] = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => {
        status = Number(h[":status"]);
        headers = h;
      });
      stream.on("trailers", (t) => {
        trailers = t;
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => resolve({ status, headers, body: Buffer.concat(chunks), trailers }));
      stream.on("error", reject);
      stream.on("close", () => {
        if (stream.rstCode !== constants.NGHTTP2_NO_ERROR)
          reject(new Error(`stream reset with ${stream.rstCode}`));
      });
    }),
    10_000,
    "HTTP/2 response",
  );
}

/** One request on `session`; `body` is sent and the stream ended. */
export function request(
  session: ClientHttp2Session,
  path: string,
  { method = "GET", body }: { method?: string; body?: string | Buffer } = {},
): Promise<Http2Response> {
  const stream = session.request({ ":method": method, ":path": path }, { endStream: body === undefined });
  const response = readResponse(stream);
  if (body !== undefined) stream.end(body);
  return response;
}
