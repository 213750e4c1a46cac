import { ProtocolError } from "../exceptions";
import type { Application, Headers, SendEvent, WebSocketScope } from "../protocol/types";
import { ApplicationCommunicator } from "./application-communicator";
import { splitPath } from "./scope-path";

/** Options of `WebsocketCommunicator`. */
export interface WebsocketCommunicatorOptions {
  /** Request headers, `[name, value]` pairs with lower-case names. @default [] */
  headers?: Headers;
  /** Subprotocols the client offers. @default [] */
  subprotocols?: string[];
  /** Extra scope keys, e.g. `{ cookies: {...} }` or `{ user }`, for testing consumers without middleware. */
  scope?: Record<string, unknown>;
}

/** What `connect()` resolves to. */
export type ConnectResult =
  | { connected: true; subprotocol: string | null; closeCode?: undefined }
  | {
      connected: false;
      /** The close code the application gave (1000 when none); 1006 for a denial response. */
      closeCode: number;
      subprotocol?: undefined;
      /** The HTTP denial response, when the application sent one instead of closing. */
      response?: { status: number; headers: Headers; body: Uint8Array };
    };

function describe(event: SendEvent): string {
  return `'${event.type}'`;
}

/**
 * Drives a WebSocket application as a client would, without a socket:
 * `connect()`, `sendTo()`, `receiveFrom()`, `disconnect()`.
 */
export class WebsocketCommunicator extends ApplicationCommunicator {
  /** Headers the application sent with `websocket.accept`. */
  responseHeaders: Headers = [];
  declare readonly scope: WebSocketScope;

  constructor(application: Application, path: string, options: WebsocketCommunicatorOptions = {}) {
    if (typeof path !== "string") {
      throw new TypeError(
        `WebsocketCommunicator takes the path as a string (e.g. "/ws/chat/lobby/"); got ${typeof path}.`,
      );
    }
    const { path: decoded, query_string } = splitPath(path);
    super(application, {
      ...options.scope,
      type: "websocket",
      path: decoded,
      query_string,
      headers: options.headers ?? [],
      subprotocols: options.subprotocols ?? [],
    });
  }

  /** Opens the connection; resolves with whether the application accepted it. */
  async connect(timeoutMs = 1000): Promise<ConnectResult> {
    await this.sendInput({ type: "websocket.connect" });
    const response = await this.receiveOutput(timeoutMs);
    switch (response.type) {
      case "websocket.accept":
        this.responseHeaders = response.headers ?? [];
        return { connected: true, subprotocol: response.subprotocol ?? null };
      case "websocket.close":
        return { connected: false, closeCode: response.code ?? 1000 };
      case "websocket.http.response.start": {
        const chunks: Uint8Array[] = [];
        for (;;) {
          const part = await this.receiveOutput(timeoutMs);
          if (part.type !== "websocket.http.response.body") {
            throw new ProtocolError(
              `Expected type 'websocket.http.response.body', but was ${describe(part)}`,
            );
          }
          if (part.body) chunks.push(part.body);
          if (!part.more_body) break;
        }
        const body = Buffer.concat(chunks);
        return {
          connected: false,
          closeCode: 1006,
          response: { status: response.status, headers: response.headers ?? [], body: new Uint8Array(body) },
        };
      }
      default:
        throw new ProtocolError(
          `Expected type 'websocket.accept' or 'websocket.close', but was ${describe(response)}`,
        );
    }
  }

  /** Sends a frame: a string as a text frame, a `Uint8Array` as a binary frame. */
  async sendTo(data: string | Uint8Array): Promise<void> {
    if (typeof data === "string") await this.sendInput({ type: "websocket.receive", text: data });
    else if (data instanceof Uint8Array) await this.sendInput({ type: "websocket.receive", bytes: data });
    else {
      throw new TypeError(
        `sendTo() takes a string (text frame) or a Uint8Array (binary frame); got ${typeof data}. Use sendJsonTo() for objects.`,
      );
    }
  }

  /** Sends `data` as JSON in a text frame. */
  async sendJsonTo(data: unknown): Promise<void> {
    await this.sendTo(JSON.stringify(data));
  }

  /** The next frame the application sent: a string for text, a `Uint8Array` for binary. */
  async receiveFrom(timeoutMs = 1000): Promise<string | Uint8Array> {
    const event = await this.receiveOutput(timeoutMs);
    if (event.type !== "websocket.send") {
      throw new ProtocolError(`Expected type 'websocket.send', but was ${describe(event)}`);
    }
    const hasText = event.text !== undefined && event.text !== null;
    const hasBytes = event.bytes !== undefined && event.bytes !== null;
    if (hasText === hasBytes) {
      throw new ProtocolError("A websocket.send event must carry exactly one of text or bytes");
    }
    return hasText ? event.text! : event.bytes!;
  }

  /** The next frame, decoded from JSON. */
  async receiveJsonFrom(timeoutMs = 1000): Promise<unknown> {
    const data = await this.receiveFrom(timeoutMs);
    if (typeof data !== "string") throw new ProtocolError("JSON data is not a text frame");
    return JSON.parse(data);
  }

  /**
   * Closes the connection with `code` and waits for the application to finish. Rethrows the
   * application's exception; an application still running after `timeoutMs` is cancelled quietly.
   */
  async disconnect(code = 1000, timeoutMs = 1000): Promise<void> {
    if (this.isCancelled) {
      // A timeout already cancelled it and said so; only a real failure is worth reporting.
      this.raiseIfFailed();
      return;
    }
    await this.sendInput({ type: "websocket.disconnect", code });
    try {
      await this.wait(timeoutMs);
    } catch (error) {
      if ((error as Error).name === "TimeoutError") return;
      throw error;
    }
  }
}
