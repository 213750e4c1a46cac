// A bounded property-based fuzzer: random HTTP requests, random WebSocket handshakes and random
// frame sequences, over raw TCP, at a real server started with the public serve() API (and random
// HTTP/2 requests over h2c). Each property runs with a fixed seed (reproducible in CI) and then a
// short random run (fast-check prints the seed of any failure). Only public APIs: it must outlive
// the server's internals.
import { type ClientHttp2Session, connect as connectH2 } from "node:http2";
import { connect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  type Application,
  AsyncHttpConsumer,
  AsyncWebsocketConsumer,
  ProtocolTypeRouter,
  path,
  rePath,
  URLRouter,
} from "@channels-ts/core";
import { type LogFields, type Logger, type RunningServer, serve } from "@channels-ts/core/server";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** How long one connection may take to end once the client has said everything. */
const CONNECTION_DEADLINE_MS = 5_000;
const SEED = 18_2026;
/** FUZZ_SCALE=20 runs every property 20 times longer, for a deeper local hunt. */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

// --- the application under test -----------------------------------------------------------------

class Page extends AsyncHttpConsumer {
  override async handle(body: Uint8Array) {
    await this.sendResponse(200, `${this.scope.method} ${this.scope.path} ${body.length}\n`, {
      headers: [["content-type", "text/plain"]],
    });
  }
}

class Echo extends AsyncWebsocketConsumer {
  override async connect() {
    // The common pattern: accept a subprotocol the client offered.
    await this.accept(this.scope.subprotocols[0]);
  }
  override async receive(text?: string, bytes?: Uint8Array) {
    if (text === "close") await this.close(4000);
    else await this.send(text ?? bytes!);
  }
}

const app: Application = ProtocolTypeRouter({
  http: URLRouter([
    path("", Page.asAsgi()),
    path("items/<int:id>/", Page.asAsgi()),
    path("<str:a>-<str:b>-<str:c>/end/", Page.asAsgi()),
    path("files/<path:rest>", Page.asAsgi()),
    rePath(/^echo\//, Page.asAsgi()),
  ]),
  websocket: URLRouter([path("ws/<str:room>/", Echo.asAsgi()), path("ws/", Echo.asAsgi())]),
});

/** Keeps every line the server logs; errors that are not the application's are what we look for. */
class KeepingLogger implements Logger {
  readonly lines: Array<{ level: string; message: string; error?: unknown }> = [];
  info(_fields: LogFields, message: string) {
    this.lines.push({ level: "info", message });
  }
  warn(fields: LogFields, message: string) {
    this.lines.push({ level: "warn", message, error: fields.err });
  }
  error(fields: LogFields, message: string) {
    this.lines.push({ level: "error", message, error: fields.err });
  }
}

// --- raw clients --------------------------------------------------------------------------------

interface RawExchange {
  /** Everything the server wrote. */
  bytes: Buffer;
  /** The server ended the connection (rather than our deadline). */
  ended: boolean;
}

/** Writes `chunks` on a fresh TCP connection, half-closes, and collects what comes back. */
function exchange(port: number, chunks: Buffer[], keepOpenMs = 0): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const received: Buffer[] = [];
    let done = false;
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve({ bytes: Buffer.concat(received), ended });
    };
    const deadline = setTimeout(() => finish(false), CONNECTION_DEADLINE_MS + keepOpenMs);
    socket.on("data", (data) => received.push(data));
    socket.on("error", () => finish(true)); // a reset is an end too
    socket.on("close", () => finish(true));
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
      }
      if (keepOpenMs > 0) await new Promise((r) => setTimeout(r, keepOpenMs));
      if (!socket.destroyed) socket.end();
    });
  });
}

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d) [^\r\n]*\r\n/;

/** The status of a raw HTTP response, or null when the server wrote nothing. */
function statusOf(bytes: Buffer): number | null {
  if (bytes.length === 0) return null;
  const match = STATUS_LINE.exec(bytes.toString("latin1"));
  if (!match)
    throw new Error(`not an HTTP response: ${JSON.stringify(bytes.subarray(0, 80).toString("latin1"))}`);
  return Number(match[1]);
}

/** The header block of a raw response, each line checked to be one well-formed header. */
function headerLines(bytes: Buffer): string[] {
  const text = bytes.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  const lines = text
    .slice(0, end === -1 ? text.length : end)
    .split("\r\n")
    .slice(1);
  for (const line of lines) {
    if (end === -1 && line === lines.at(-1)) continue; // cut off by the connection's end
    expect(line, "each header line is `name: value`").toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*$/);
  }
  return lines;
}

/** Close codes a server may send (RFC 6455 §7.4, plus the registered 1012–1014 and private 4000–4999). */
function validCloseCode(code: number): boolean {
  return (
    [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014].includes(code) ||
    (code >= 3000 && code <= 4999)
  );
}

interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Parses the server's (unmasked) frames; a truncated last frame is left out. */
function parseFrames(bytes: Buffer): ServerFrame[] {
  const frames: ServerFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    expect(masked, "a server never masks its frames").toBe(false);
    let length = bytes[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > bytes.length) break;
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (at + 10 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (at + header + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(at + header, at + header + length) });
    at += header + length;
  }
  return frames;
}

/** A client frame: masked unless `unmasked`, with the given first byte and payload. */
function frame(first: number, payload: Buffer, unmasked = false, lengthOverride?: number): Buffer {
  const length = lengthOverride ?? payload.length;
  const head: number[] = [first];
  const maskBit = unmasked ? 0 : 0x80;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65_536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...big);
  }
  if (unmasked) return Buffer.concat([Buffer.from(head), payload]);
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from(head), mask, body]);
}

const HANDSHAKE = (path: string, extra = "") =>
  Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    "latin1",
  );

// --- generators ---------------------------------------------------------------------------------

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const anyText = (max: number) => fc.string({ unit: "binary", maxLength: max });
const latin1 = (max: number) =>
  fc.uint8Array({ maxLength: max }).map((bytes) => Buffer.from(bytes).toString("latin1"));

const pathSegment = fc.oneof(
  fc.constantFrom(
    "",
    "items",
    "7",
    "files",
    "echo",
    "ws",
    "end",
    "a-b-c",
    "%2F",
    "%00",
    "%E2%80%AE",
    "..",
    "-".repeat(300),
  ),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{0,20}$/),
  latin1(12).map((s) => s.replace(/[\s?#]/g, "")),
);
const requestPath = fc
  .tuple(fc.array(pathSegment, { maxLength: 6 }), fc.boolean(), fc.option(anyText(20)))
  .map(
    ([segments, slash, query]) =>
      `/${segments.join("/")}${slash ? "/" : ""}${query === null ? "" : `?${encodeURIComponent(query)}`}`,
  );

const header = fc.oneof(
  fc.tuple(
    token,
    latin1(40).map((v) => v.replace(/[\r\n]/g, "")),
  ),
  fc.tuple(
    fc.constantFrom(
      "Content-Length",
      "Transfer-Encoding",
      "Host",
      "Connection",
      "Expect",
      "Upgrade",
      "Origin",
      "Cookie",
    ),
    fc.oneof(
      fc.constantFrom(
        "0",
        "5",
        "-1",
        "99999999999999999999",
        "chunked",
        "gzip, chunked",
        "close",
        "keep-alive",
        "100-continue",
        "websocket",
        "",
      ),
      latin1(20).map((v) => v.replace(/[\r\n]/g, "")),
    ),
  ),
  fc.tuple(latin1(10), latin1(10)), // raw garbage header lines, CR/LF included
);

const httpRequest = fc.record({
  method: fc.oneof(
    fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"),
    token,
    latin1(8),
  ),
  path: fc.oneof(requestPath, fc.constantFrom("*", "http://127.0.0.1/items/1/", "", "//", "/?"), latin1(30)),
  version: fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/0.9", "", "http/1.1"),
  headers: fc.array(header, { maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 300 }),
  split: fc.integer({ min: 1, max: 5 }),
});

const handshake = fc.record({
  path: fc.oneof(fc.constantFrom("/ws/", "/ws/room/", "/ws/a%0D%0Ab/", "/nowhere/"), requestPath),
  key: fc.oneof(
    fc.constant("dGhlIHNhbXBsZSBub25jZQ=="),
    fc.base64String({ maxLength: 30 }),
    latin1(24).map((v) => v.replace(/[\r\n]/g, "")),
  ),
  version: fc.oneof(
    fc.constantFrom("13", "8", "", "13, 8"),
    latin1(4).map((v) => v.replace(/[\r\n]/g, "")),
  ),
  protocols: fc.option(
    fc.array(
      fc.oneof(
        token,
        fc.constantFrom("chat", "a b", "x,y", "%20chat", "é"),
        latin1(10).map((v) => v.replace(/[\r\n]/g, "")),
      ),
      { maxLength: 3 },
    ),
  ),
  origin: fc.option(
    fc.oneof(
      fc.constantFrom("http://127.0.0.1", "null", "http://evil.example"),
      latin1(20).map((v) => v.replace(/[\r\n]/g, "")),
    ),
  ),
  extensions: fc.option(
    fc.oneof(
      fc.constantFrom("permessage-deflate", "permessage-deflate; client_max_window_bits", "x-unknown"),
      latin1(20).map((v) => v.replace(/[\r\n]/g, "")),
    ),
  ),
  upgrade: fc.constantFrom("websocket", "WebSocket", "h2c", ""),
  connection: fc.constantFrom("Upgrade", "keep-alive, Upgrade", "close", ""),
});

const wsFrame = fc.oneof(
  // Well-formed data and control frames.
  fc.record({
    kind: fc.constant("text" as const),
    text: fc.oneof(fc.string({ maxLength: 50 }), fc.constant("close")),
  }),
  fc.record({ kind: fc.constant("binary" as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({ kind: fc.constant("ping" as const), bytes: fc.uint8Array({ maxLength: 130 }) }),
  fc.record({
    kind: fc.constant("close" as const),
    code: fc.oneof(fc.integer({ min: 0, max: 65_535 }), fc.constantFrom(1000, 1001, 1005, 1006, 4000)),
    reason: fc.uint8Array({ maxLength: 130 }),
  }),
  // Anything: any first byte (fin, rsv, opcode), masked or not, with a possibly lying length.
  fc.record({
    kind: fc.constant("raw" as const),
    first: fc.integer({ min: 0, max: 255 }),
    bytes: fc.uint8Array({ maxLength: 200 }),
    unmasked: fc.boolean(),
    lie: fc.option(fc.constantFrom(0, 125, 126, 65_535, 65_536, 2 ** 32), { freq: 4 }),
  }),
  fc.record({ kind: fc.constant("garbage" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

type WsFrame = typeof wsFrame extends fc.Arbitrary<infer F> ? F : never;

function encodeFrame(f: WsFrame): Buffer {
  switch (f.kind) {
    case "text":
      return frame(0x81, Buffer.from(f.text));
    case "binary":
      return frame(0x82, Buffer.from(f.bytes));
    case "ping":
      return frame(0x89, Buffer.from(f.bytes));
    case "close": {
      const payload = Buffer.alloc(2 + f.reason.length);
      payload.writeUInt16BE(f.code);
      payload.set(f.reason, 2);
      return frame(0x88, payload);
    }
    case "raw":
      return frame(f.first, Buffer.from(f.bytes), f.unmasked, f.lie ?? undefined);
    case "garbage":
      return Buffer.from(f.bytes);
  }
}

// --- the properties -----------------------------------------------------------------------------

/** Server errors that are not an application's exception: a failure of the server itself. */
function internalErrors(logger: KeepingLogger, from = 0): string[] {
  return logger.lines
    .slice(from)
    .filter((l) => l.level === "error" && !/Exception inside application|No route found/.test(l.message))
    .map((l) => `${l.message} ${(l.error as Error | undefined)?.stack?.split("\n").slice(0, 3).join(" | ")}`);
}

/**
 * Runs `predicate` as a property with the fixed seed, then for a short random run; a run that
 * makes the server log an internal error fails there, so fast-check shrinks it to the input.
 */
async function check<T>(
  logger: KeepingLogger,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<void>,
  runs: number,
  examples: T[] = [],
) {
  const property = fc.asyncProperty(arbitrary, async (value) => {
    const from = logger.lines.length;
    await predicate(value);
    // Errors are logged as the request ends, a tick after the client saw the connection close.
    await new Promise((resolve) => setImmediate(resolve));
    expect(internalErrors(logger, from)).toEqual([]);
  });
  // Inputs that once broke the server run first, every time.
  await fc.assert(property, { seed: SEED, numRuns: runs * SCALE, examples: examples.map((e) => [e]) });
  await fc.assert(property, { numRuns: Math.ceil((runs * SCALE) / 3) });
}

/** Forces a full collection when V8 lets us, so heap figures mean what they say. */
function collector(): (() => void) | null {
  if (typeof globalThis.gc === "function") return () => globalThis.gc?.();
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    return typeof gc === "function" ? gc : null;
  } catch {
    return null;
  }
}

describe("fuzz: hostile input at a real server", () => {
  let server: RunningServer;
  const logger = new KeepingLogger();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const gc = collector();
  let heapBefore = 0;

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    server = await serve(app, {
      host: "127.0.0.1",
      port: 0,
      logger,
      handshakeTimeoutMs: 2_000,
      httpTimeoutMs: 2_000,
      applicationCloseTimeoutMs: 1_000,
    });
    // Warm up (JIT, lazy modules) before the baseline.
    await exchange(server.port, [Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]);
    gc?.();
    heapBefore = process.memoryUsage().heapUsed;
  });

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await server?.close();
  });

  it("random HTTP/1.1 requests: every connection ends, with a valid status when there is one", async () => {
    await check(
      logger,
      httpRequest,
      async (request) => {
        const head =
          `${request.method} ${request.path} ${request.version}\r\n` +
          request.headers.map(([name, value]) => `${name}: ${value}\r\n`).join("") +
          "\r\n";
        const bytes = Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(request.body)]);
        const size = Math.ceil(bytes.length / request.split);
        const chunks = Array.from({ length: request.split }, (_, i) =>
          bytes.subarray(i * size, (i + 1) * size),
        );
        const result = await exchange(server.port, chunks);
        expect(result.ended, "the server ends the connection").toBe(true);
        const status = statusOf(result.bytes);
        if (status !== null) headerLines(result.bytes);
      },
      120,
      // Found by this fuzzer: an HTTP/1.1 request line saying HTTP/2.0 was taken for an HTTP/2
      // stream (TypeError reading req.stream, a logged internal error and a 500).
      [{ method: "GET", path: "*", version: "HTTP/2.0", headers: [], body: new Uint8Array(), split: 1 }],
    );
  });

  it("random WebSocket handshakes: a valid status, well-formed headers, a 101 only for a sound request", async () => {
    await check(
      logger,
      handshake,
      async (h) => {
        let head = `GET ${h.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
        if (h.upgrade) head += `Upgrade: ${h.upgrade}\r\n`;
        if (h.connection) head += `Connection: ${h.connection}\r\n`;
        head += `Sec-WebSocket-Key: ${h.key}\r\nSec-WebSocket-Version: ${h.version}\r\n`;
        if (h.protocols) head += `Sec-WebSocket-Protocol: ${h.protocols.join(", ")}\r\n`;
        if (h.origin !== null) head += `Origin: ${h.origin}\r\n`;
        if (h.extensions !== null) head += `Sec-WebSocket-Extensions: ${h.extensions}\r\n`;
        head += "\r\n";
        // A close frame after the handshake, so an accepted connection ends too.
        const result = await exchange(server.port, [
          Buffer.from(head, "latin1"),
          frame(0x88, Buffer.from([0x03, 0xe8])),
        ]);
        expect(result.ended, "the server ends the connection").toBe(true);
        const status = statusOf(result.bytes);
        if (status === null) return;
        const lines = headerLines(result.bytes);
        expect(
          lines.some((l) => /^set-cookie:/i.test(l)),
          "no header a client can inject",
        ).toBe(false);
        if (status === 101) {
          expect(["13", "8"], "101 only for a version ws speaks (13, or 8 as ws also accepts)").toContain(
            h.version.trim(),
          );
          const protocol = lines.find((l) => /^sec-websocket-protocol:/i.test(l));
          if (protocol) expect(protocol).toMatch(/^sec-websocket-protocol: [!#$%&'*+\-.^_`|~0-9A-Za-z]+$/i);
        }
      },
      100,
    );
  });

  // Found by this fuzzer (and filed as issue 18, security hole 1): a percent-encoded CRLF in an
  // offered subprotocol is decoded into scope.subprotocols, and a consumer that accepts it writes a
  // client-chosen header into the 101. The server's fix belongs to the server helper; until it
  // lands this test documents the hole (it.fails fails once the hole is closed: then make it an
  // it() and put the vector back into the handshake generator).
  it.fails("KNOWN HOLE: a %0D%0A subprotocol must not put a header into the 101 response", async () => {
    const result = await exchange(server.port, [
      HANDSHAKE("/ws/", "Sec-WebSocket-Protocol: %0D%0ASet-Cookie%3A%20a%3Db\r\n"),
      frame(0x88, Buffer.from([0x03, 0xe8])),
    ]);
    const lines = headerLines(result.bytes);
    expect(lines.some((l) => /^set-cookie:/i.test(l))).toBe(false);
  });

  it("random frame sequences after a handshake: the connection ends, and any close code is a valid one", async () => {
    await check(
      logger,
      fc.record({
        room: fc.constantFrom("/ws/", "/ws/r/"),
        frames: fc.array(wsFrame, { minLength: 1, maxLength: 12 }),
      }),
      async ({ room, frames }) => {
        const result = await exchange(server.port, [HANDSHAKE(room), ...frames.map(encodeFrame)]);
        expect(result.ended, "the server ends the connection").toBe(true);
        expect(statusOf(result.bytes)).toBe(101);
        const body = result.bytes.subarray(result.bytes.indexOf("\r\n\r\n") + 4);
        for (const f of parseFrames(body)) {
          expect([0x1, 0x2, 0x8, 0x9, 0xa]).toContain(f.opcode);
          if (f.opcode === 0x8 && f.payload.length >= 2) {
            const code = f.payload.readUInt16BE(0);
            expect(validCloseCode(code), `close code ${code}`).toBe(true);
          }
        }
      },
      100,
    );
  });

  it("random HTTP/2 (h2c) requests: every stream ends with a valid status or a reset", async () => {
    const h2server = await serve(app, { host: "127.0.0.1", port: 0, logger, http2: "h2c" });
    let session: ClientHttp2Session | undefined;
    try {
      await check(
        logger,
        fc.record({
          method: fc.oneof(fc.constantFrom("GET", "HEAD", "POST", "DELETE", "OPTIONS"), token),
          path: requestPath,
          headers: fc.array(
            fc.tuple(
              token.map((n) => n.toLowerCase()),
              latin1(30).map((v) => v.replace(/[\r\n\0]/g, "")),
            ),
            { maxLength: 6 },
          ),
          body: fc.uint8Array({ maxLength: 200 }),
        }),
        async (request) => {
          if (!session || session.destroyed || session.closed)
            session = connectH2(`http://127.0.0.1:${h2server.port}`);
          session.on("error", () => {});
          const headers: Record<string, string> = { ":method": request.method, ":path": request.path };
          for (const [name, value] of request.headers) {
            if (
              !/^(connection|keep-alive|proxy-connection|transfer-encoding|upgrade|te|host|http2-settings)$/.test(
                name,
              )
            )
              headers[name] = value;
          }
          const outcome = await new Promise<{ status?: number; reset?: boolean }>((resolve) => {
            let stream: ReturnType<ClientHttp2Session["request"]>;
            try {
              stream = session!.request(headers, {
                endStream: request.body.length === 0 && request.method !== "POST",
              });
            } catch {
              resolve({ reset: true }); // refused by the client library itself
              return;
            }
            const timer = setTimeout(() => {
              stream.close();
              resolve({});
            }, CONNECTION_DEADLINE_MS);
            let status: number | undefined;
            stream.on("response", (h) => {
              status = Number(h[":status"]);
            });
            stream.on("error", () => {});
            stream.resume();
            stream.on("close", () => {
              clearTimeout(timer);
              resolve(status === undefined ? { reset: true } : { status });
            });
            if (!stream.writableEnded) stream.end(Buffer.from(request.body));
          });
          expect(outcome.status !== undefined || outcome.reset === true, "the stream ends").toBe(true);
          if (outcome.status !== undefined) {
            expect(outcome.status).toBeGreaterThanOrEqual(100);
            expect(outcome.status).toBeLessThan(600);
          }
        },
        60,
      );
    } finally {
      session?.close();
      await h2server.close();
    }
  });

  it("random frame sequences on HTTP/2 (h2c) WebSocket streams (RFC 8441): each stream ends, close codes valid", async () => {
    const h2server = await serve(app, { host: "127.0.0.1", port: 0, logger, http2: "h2c" });
    const session = connectH2(`http://127.0.0.1:${h2server.port}`);
    session.on("error", () => {});
    try {
      await new Promise<void>((resolve, reject) => {
        session.once("remoteSettings", (settings) =>
          settings.enableConnectProtocol
            ? resolve()
            : reject(new Error("the server did not enable RFC 8441")),
        );
      });
      await check(
        logger,
        fc.record({
          room: fc.constantFrom("/ws/", "/ws/r/", "/nowhere/"),
          frames: fc.array(wsFrame, { minLength: 1, maxLength: 12 }),
        }),
        async ({ room, frames }) => {
          const stream = session.request({
            ":method": "CONNECT",
            ":protocol": "websocket",
            ":path": room,
            ":scheme": "http",
            "sec-websocket-version": "13",
          });
          const received: Buffer[] = [];
          let status: number | undefined;
          const ended = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), CONNECTION_DEADLINE_MS);
            stream.on("response", (headers) => {
              status = Number(headers[":status"]);
              if (status === 200) for (const f of frames) stream.write(encodeFrame(f));
              stream.end();
            });
            stream.on("data", (data: Buffer) => received.push(data));
            stream.on("error", () => {});
            stream.on("close", () => {
              clearTimeout(timer);
              resolve(true);
            });
          });
          if (!ended) stream.close();
          expect(ended, "the stream ends").toBe(true);
          if (status === undefined) return; // reset before a response
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(600);
          if (status !== 200) return;
          for (const f of parseFrames(Buffer.concat(received))) {
            expect([0x1, 0x2, 0x8, 0x9, 0xa]).toContain(f.opcode);
            if (f.opcode === 0x8 && f.payload.length >= 2) {
              const code = f.payload.readUInt16BE(0);
              expect(validCloseCode(code), `close code ${code}`).toBe(true);
            }
          }
        },
        70,
      );
    } finally {
      session.close();
      await h2server.close();
    }
  });

  it("afterwards: no unhandled rejection, no server-internal error, and the heap back near its start", async () => {
    expect(unhandled).toEqual([]);
    // Application exceptions are logged by design; anything else is the server's own failure.
    expect(internalErrors(logger)).toEqual([]);
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
    gc?.();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    if (process.env.FUZZ_REPORT)
      console.log(
        `heap: ${(heapBefore / 1048576).toFixed(1)} MB before, ${(grown / 1048576).toFixed(2)} MB grown, gc ${gc ? "forced" : "unavailable"}`,
      );
    // Generous: hundreds of connections must not leave tens of megabytes behind.
    expect(grown).toBeLessThan((gc ? 16 : 64) * 1024 * 1024);
  });
});
