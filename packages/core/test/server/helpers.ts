import { type IncomingHttpHeaders, request } from "node:http";
import { afterEach } from "vitest";
import { type ClientOptions, WebSocket } from "ws";
import { AsyncHttpConsumer } from "../../src/consumers/index";
import { RouteNotFound } from "../../src/exceptions";
import type { Application, ReceiveEvent, Scope } from "../../src/protocol/types";
import {
  type LogFields,
  type Logger,
  type RunningServer,
  type ServeOptions,
  serve,
} from "../../src/server/index";

export interface LogLine {
  level: "info" | "warn" | "error";
  message: string;
  error?: unknown;
  fields: LogFields;
}

/** A logger that keeps what it is told, for assertions. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  private listeners: Array<() => void> = [];
  private push(line: LogLine): void {
    this.lines.push(line);
    for (const listener of this.listeners.splice(0)) listener();
  }
  info(fields: LogFields, message: string): void {
    this.push({ level: "info", message, fields });
  }
  warn(fields: LogFields, message: string): void {
    this.push({ level: "warn", message, error: fields.err, fields });
  }
  error(fields: LogFields, message: string): void {
    this.push({ level: "error", message, error: fields.err, fields });
  }
  /** Resolves once a line of `level` containing `text` was logged. */
  async waitFor(level: LogLine["level"], text: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!this.has(level, text)) {
      if (Date.now() > deadline) throw new Error(`no ${level} log line containing "${text}"`);
      const d = deferred();
      this.listeners.push(d.resolve);
      await within(d.promise, 5_000, `${level} log "${text}"`);
    }
  }
  has(level: LogLine["level"], text: string): boolean {
    return this.lines.some((l) => l.level === level && l.message.includes(text));
  }
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Raw test apps speak one protocol: on the lifespan scope they raise, as a ProtocolTypeRouter would. */
export function withoutLifespan(app: Application): Application {
  return (scope, receive, send) =>
    scope.type === "lifespan" ? Promise.reject(new RouteNotFound("no lifespan")) : app(scope, receive, send);
}

/** `serve()` on 127.0.0.1, port 0, closed after the test. Apps get no lifespan scope unless `lifespan`. */
export async function start(
  app: Application,
  options: ServeOptions = {},
  { lifespan = false } = {},
): Promise<RunningServer & { wsUrl: string; logger: RecordingLogger }> {
  const logger = new RecordingLogger();
  const server = await serve(lifespan ? app : withoutLifespan(app), {
    host: "127.0.0.1",
    port: 0,
    logger,
    ...options,
  });
  running.push(server);
  return { ...server, wsUrl: `ws://127.0.0.1:${server.port}`, logger };
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Bounds a wait so a bug fails the test instead of hanging it. */
export function within<T>(promise: Promise<T>, ms = 5_000, what = "event"): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Everything an application instance saw, and a way to wait for it. */
export class Recorder {
  readonly scopes: Scope[] = [];
  readonly events: ReceiveEvent[] = [];
  readonly errors: unknown[] = [];
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  record(event: ReceiveEvent): void {
    this.events.push(event);
    this.poke();
  }
  fail(error: unknown): void {
    this.errors.push(error);
    this.poke();
  }
  poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
  /** Resolves once `check()` holds (checked on each recorded event). */
  until(check: () => boolean, what = "condition"): Promise<void> {
    if (check()) return Promise.resolve();
    const d = deferred();
    this.waiters.push({ check, resolve: d.resolve });
    return within(d.promise, 5_000, what);
  }
  event(type: string): Promise<ReceiveEvent> {
    return this.until(() => this.events.some((e) => e.type === type), type).then(
      () => this.events.find((e) => e.type === type) as ReceiveEvent,
    );
  }
}

export interface Closed {
  code: number;
  reason: string;
}

/** A `ws` client that keeps every message and lets tests await them. */
export class TestClient {
  readonly messages: Array<{ data: Buffer; isBinary: boolean }> = [];
  readonly closed: Promise<Closed>;
  private waiter: (() => void) | null = null;
  pings = 0;
  private pingWaiter: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on("message", (data: Buffer, isBinary) => {
      this.messages.push({ data, isBinary });
      this.waiter?.();
    });
    ws.on("ping", () => {
      this.pings++;
      this.pingWaiter?.();
    });
    ws.on("error", () => {});
  }

  /** Waits until `count` messages arrived in total. */
  async received(count: number): Promise<Array<{ data: Buffer; isBinary: boolean }>> {
    while (this.messages.length < count) {
      const d = deferred();
      this.waiter = d.resolve;
      await within(Promise.race([d.promise, this.closed]), 5_000, `message ${count}`);
      if (this.messages.length < count && this.ws.readyState >= WebSocket.CLOSING) {
        throw new Error(`connection closed after ${this.messages.length} of ${count} messages`);
      }
    }
    return this.messages.slice(0, count);
  }

  async text(index: number): Promise<string> {
    const messages = await this.received(index + 1);
    return (messages[index] as { data: Buffer }).data.toString();
  }

  async pinged(count: number): Promise<void> {
    while (this.pings < count) {
      const d = deferred();
      this.pingWaiter = d.resolve;
      await within(d.promise, 5_000, `ping ${count}`);
    }
  }
}

/** Opens a WebSocket; resolves once open. */
export function connect(
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
): Promise<TestClient> {
  const ws = new WebSocket(url, protocols, options);
  const client = new TestClient(ws);
  return within(
    new Promise<TestClient>((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) =>
        reject(new Error(`handshake answered ${res.statusCode}`)),
      );
      ws.once("error", reject);
    }),
    5_000,
    "open",
  );
}

export interface RejectedHandshake {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Opens a WebSocket that the server must refuse; resolves with the HTTP response. */
export function connectRejected(
  url: string,
  protocols?: string[],
  options?: ClientOptions,
): Promise<RejectedHandshake> {
  const ws = new WebSocket(url, protocols, options);
  ws.on("error", () => {});
  return within(
    new Promise<RejectedHandshake>((resolve, reject) => {
      ws.once("open", () => reject(new Error("handshake unexpectedly succeeded")));
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      });
    }),
    5_000,
    "handshake response",
  );
}

/** A raw HTTP request with node:http (for what fetch hides: headers with `_`, aborts). */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return within(
    new Promise((resolve, reject) => {
      const req = request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(options.body);
    }),
    5_000,
    "HTTP response",
  );
}

/** A WebSocket application that accepts and echoes, recording everything. */
export function echoApp(recorder = new Recorder()): Application {
  return async (scope, receive, send) => {
    recorder.scopes.push(scope);
    for (;;) {
      const event = await receive();
      recorder.record(event);
      if (event.type === "websocket.connect") await send({ type: "websocket.accept" });
      else if (event.type === "websocket.receive") {
        await send(
          event.text != null
            ? { type: "websocket.send", text: event.text }
            : { type: "websocket.send", bytes: event.bytes },
        );
      } else if (event.type === "websocket.disconnect") return;
    }
  };
}

/**
 * Server-sent events fed by the channel layer: joins group "news", keeps the response open and
 * forwards each `news.item`; a `news.end` finishes the response.
 */
export class NewsEvents extends AsyncHttpConsumer {
  override async handle() {
    await this.channelLayer!.groupAdd("news", this.channelName);
    await this.sendHeaders({ headers: [["content-type", "text/event-stream"]] });
    await this.sendBody("event: ready\n\n", { moreBody: true });
  }
  async news_item(event: { text: string }) {
    await this.sendBody(`data: ${event.text}\n\n`, { moreBody: true });
  }
  async news_end() {
    await this.finish();
  }
}
