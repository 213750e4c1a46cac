import { StopConsumer } from "../exceptions";
import type { Headers, HttpRequestEvent, HttpScope, LayerMessage } from "../protocol/types";
import type { RouteKwargs } from "../routing/route-params";
import { AsyncConsumer } from "./async-consumer";
import { markFrameworkClass } from "./reserved-names";

/** Response headers as `[name, value]` pairs or a plain object. */
export type HeadersInit = Headers | Record<string, string>;

const encoder = new TextEncoder();

function toHeaderList(headers: HeadersInit | undefined): Headers {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers;
  return Object.entries(headers);
}

function toBytes(body: Uint8Array | string, method: string): Uint8Array {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  throw new TypeError(
    `${method}() takes a Uint8Array or a string (sent as UTF-8); got ${body === null ? "null" : typeof body}.`,
  );
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * An HTTP consumer: override `handle(body)`, which gets the whole request body, and answer with
 * `sendResponse`, or `sendHeaders` + `sendBody`.
 *
 * The consumer ends when `handle()` returns with the response complete. A response left open
 * (`sendBody(chunk, { moreBody: true })`: server-sent events, long-polling) keeps the consumer
 * alive, dispatching channel-layer messages to its handlers, until it calls `finish()` or the
 * client goes away. `disconnect()` runs once at the end either way.
 */
export abstract class AsyncHttpConsumer<
  Kwargs extends RouteKwargs = RouteKwargs,
> extends AsyncConsumer<Kwargs> {
  declare scope: HttpScope;
  private readonly bodyChunks: Uint8Array[] = [];
  private responseStarted = false;
  private responseComplete = false;
  private handled = false;
  private disconnected = false;

  /** Handles the request; `body` is the whole request body. */
  abstract handle(body: Uint8Array): Promise<void>;

  /** Starts the response. */
  async sendHeaders({
    status = 200,
    headers,
  }: {
    status?: number;
    headers?: HeadersInit;
  } = {}): Promise<void> {
    this.responseStarted = true;
    await this.baseSend({ type: "http.response.start", status, headers: toHeaderList(headers) });
  }

  /** Sends a chunk of the body; `moreBody: true` keeps the response open for more. */
  async sendBody(
    body: Uint8Array | string,
    { moreBody = false }: { moreBody?: boolean } = {},
  ): Promise<void> {
    const bytes = toBytes(body, "sendBody");
    if (!moreBody) this.responseComplete = true;
    await this.baseSend({ type: "http.response.body", body: bytes, more_body: moreBody });
  }

  /** Sends a whole response at once. */
  async sendResponse(
    status: number,
    body: Uint8Array | string,
    { headers }: { headers?: HeadersInit } = {},
  ): Promise<void> {
    await this.sendHeaders({ status, headers });
    await this.sendBody(body);
  }

  /** Completes a response left open (sending the last, empty chunk) and ends the consumer. */
  async finish(): Promise<void> {
    if (this.responseStarted && !this.responseComplete) await this.sendBody(new Uint8Array(0));
    this.responseComplete = true;
  }

  /** Runs once when the consumer ends: the response is done or the client went away. Send nothing from here. */
  async disconnect(): Promise<void> {}

  async http_request(message: HttpRequestEvent): Promise<void> {
    if (message.body && message.body.length > 0) this.bodyChunks.push(message.body);
    if (message.more_body) return;
    try {
      await this.handle(concat(this.bodyChunks.splice(0)));
    } catch (error) {
      await this.runDisconnect();
      throw error;
    }
    this.handled = true;
  }

  async http_disconnect(_message: { type: "http.disconnect" }): Promise<void> {
    await this.runDisconnect();
    throw new StopConsumer();
  }

  override async dispatch(message: LayerMessage): Promise<void> {
    await super.dispatch(message);
    // The request was handled and the response is complete (or was never started): done.
    if (this.handled && (this.responseComplete || !this.responseStarted)) {
      await this.runDisconnect();
      throw new StopConsumer();
    }
  }

  private async runDisconnect(): Promise<void> {
    if (this.disconnected) return;
    this.disconnected = true;
    await this.disconnect();
  }
}

markFrameworkClass(AsyncHttpConsumer, [
  // Abstract, so not on the prototype; still the framework's API, never a message handler.
  "handle",
  "bodyChunks",
  "responseStarted",
  "responseComplete",
  "handled",
  "disconnected",
]);
