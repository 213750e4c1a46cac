import { backoffDelay, type ReconnectOptions } from "./backoff";
import { ENVELOPE_KEY, type Envelope, isEnvelope } from "./envelope";
import type {
  ClientReply,
  ClientRequest,
  ClientSends,
  ServerReply,
  ServerRequest,
  ServerSends,
  SocketProtocol,
} from "./protocol";

/** `connecting` (first attempt), `open`, `reconnecting` (lost, trying again) or `closed` (for good). */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/**
 * What the client needs of a WebSocket: the browser's, Node 22's global one, or `ws`'s class.
 * Handler parameters are typed `never` so that every implementation's own event types fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class, such as `WebSocket` from the `ws` package. */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** How a connection ended. */
export interface CloseInfo {
  /** The close code (1006 when the connection was lost, or left for want of a heartbeat reply). */
  code: number;
  /** The close reason, often empty. */
  reason: string;
  /** Whether the socket will try again. */
  willReconnect: boolean;
}

/** Why a request failed: `message` says it in words, `reason` for code. */
export class RequestError extends Error {
  /** `"RequestError"`. */
  override name = "RequestError";
  constructor(
    message: string,
    /** `server`: the consumer refused it (the message is the consumer's); the others are the client's. */
    readonly reason: "server" | "timeout" | "disconnected" | "full" | "closed",
  ) {
    super(message);
  }
}

/** The offline queue: what waits while the socket is not open. */
export interface QueueOptions {
  /**
   * How many messages (requests included) may wait.
   * @default 100
   */
  max?: number;
  /**
   * When full: `drop-oldest` drops the oldest waiting message, `refuse` refuses the new one.
   * @default "drop-oldest"
   */
  whenFull?: "drop-oldest" | "refuse";
}

/** Dead-connection detection. */
export interface HeartbeatOptions {
  /**
   * Silence, in ms, after which the client pings.
   * @default 20_000
   */
  intervalMs?: number;
  /**
   * How long after the ping, in ms, a still silent connection is given up.
   * @default 10_000
   */
  timeoutMs?: number;
}

/** Options of `connect()`. */
export interface ConnectOptions<P extends SocketProtocol = SocketProtocol> {
  /**
   * The WebSocket class; required on Node 20 (`import { WebSocket } from "ws"`).
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketClass;
  /** Subprotocols to offer in the handshake. */
  protocols?: string | string[];
  /**
   * Backoff of the reconnects, or `false` never to reconnect.
   * @default { initialDelayMs: 500, maxDelayMs: 10_000, maxRetries: Infinity }
   */
  reconnect?: ReconnectOptions | false;
  /**
   * Close codes after which the socket does not reconnect, besides 1008 (policy violation) and
   * 4001–4099 (the app's refusals, e.g. 4003 forbidden), which never reconnect.
   * @default []
   */
  noReconnectCodes?: number[];
  /**
   * Sends made while not connected wait in a queue of at most `max` messages (requests included),
   * flushed in order on (re)connect. When it is full, `drop-oldest` drops the oldest to make room,
   * `refuse` refuses the new one; either way the `dropped` event says which.
   * @default { max: 100, whenFull: "drop-oldest" }
   */
  queue?: QueueOptions;
  /**
   * Dead-connection detection, once the server said it speaks the envelope: after `intervalMs`
   * without a frame the client pings; without any frame `timeoutMs` later it drops the connection
   * and reconnects. `false` turns it off.
   * @default { intervalMs: 20_000, timeoutMs: 10_000 }
   */
  heartbeat?: HeartbeatOptions | false;
  /**
   * How long `request()` waits for its reply, in ms, unless the call says otherwise.
   * @default 10_000
   */
  requestTimeoutMs?: number;
  /** Answers the server's requests: return (or resolve) the reply, throw to refuse with a message. */
  onRequest?: (request: ServerRequest<P>) => ServerReply<P> | Promise<ServerReply<P>>;
}

/** The events of a socket, with their listeners' signatures. */
export interface SocketEvents<P extends SocketProtocol = SocketProtocol> {
  /** A message from the server. */
  message: (message: ServerSends<P>) => void;
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** A connection ended (the socket may be reconnecting). */
  close: (info: CloseInfo) => void;
  /** A message was not sent: the queue was full (`full`) or the socket closed for good (`closed`). */
  dropped: (message: ClientSends<P>, reason: "full" | "closed") => void;
  /** A frame the client could not read (not JSON, binary) or a server request it could not answer. */
  error: (error: Error) => void;
}

type Listeners = { [K in keyof SocketEvents]?: Set<(...args: never[]) => void> };

interface QueuedFrame {
  data: unknown;
  /** Set for requests: the id the reply will carry. */
  id?: number;
}

interface PendingRequest {
  resolve(value: unknown): void;
  reject(error: RequestError): void;
  timer: ReturnType<typeof setTimeout>;
  frame: QueuedFrame;
  /** The connection the request went out on; `null` while queued. */
  sentOn: WebSocketLike | null;
}

const OPEN = 1;
const neverReconnect = (code: number) => code === 1008 || (code >= 4001 && code <= 4099);

interface GlobalScope {
  WebSocket?: WebSocketClass;
  location?: { href: string };
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  document?: {
    visibilityState?: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
}
const scope = globalThis as GlobalScope;

/**
 * Resolves `url` against the page (a path works in a browser) and turns `http:`/`https:` into
 * `ws:`/`wss:`.
 */
export function resolveSocketUrl(url: string): string {
  let resolved: URL;
  try {
    resolved = new URL(url, scope.location?.href);
  } catch {
    throw new TypeError(
      `connect() needs an absolute ws:// or wss:// URL outside a browser page (no page to resolve "${url}" against).`,
    );
  }
  if (resolved.protocol === "http:") resolved.protocol = "ws:";
  else if (resolved.protocol === "https:") resolved.protocol = "wss:";
  else if (resolved.protocol !== "ws:" && resolved.protocol !== "wss:") {
    throw new TypeError(`connect() takes ws:, wss:, http: or https: URLs; got "${url}".`);
  }
  return resolved.href;
}

/**
 * A connection to a channels-ts (or Django Channels) WebSocket that comes back by itself. Made by
 * `connect()`.
 */
export class ChannelSocket<P extends SocketProtocol = SocketProtocol> {
  /** The connection state; watch it with `on("state", …)`. */
  state: ConnectionState = "connecting";
  /** Whether the server announced the envelope on this connection (requests answered, heartbeats on). */
  envelope = false;

  private ws: WebSocketLike | null = null;
  private readonly listeners: Listeners = {};
  private readonly queue: QueuedFrame[] = [];
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 1;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private beatTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly WebSocket: WebSocketClass;

  constructor(
    private readonly url: string | (() => string),
    private readonly options: ConnectOptions<P> = {},
  ) {
    const WebSocketImpl = options.WebSocket ?? scope.WebSocket;
    if (!WebSocketImpl) {
      throw new TypeError(
        'No global WebSocket here (Node 20?): pass a class, e.g. connect(url, { WebSocket }) with import { WebSocket } from "ws".',
      );
    }
    this.WebSocket = WebSocketImpl;
    resolveSocketUrl(this.currentUrl()); // a bad URL fails now, not on the first retry
    scope.addEventListener?.("online", this.retryNow);
    scope.document?.addEventListener("visibilitychange", this.onVisible);
    this.open();
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof SocketEvents<P>>(event: K, listener: SocketEvents<P>[K]): () => void {
    this.listeners[event] ??= new Set();
    const set = this.listeners[event]!;
    set.add(listener as (...args: never[]) => void);
    return () => set.delete(listener as (...args: never[]) => void);
  }

  /**
   * Sends `message` now, or queues it until the connection is back. Returns `false` when it was
   * refused (queue full with `whenFull: "refuse"`, or the socket is closed); `dropped` says so too.
   */
  send(message: ClientSends<P>): boolean {
    return this.enqueue({ data: message });
  }

  /**
   * Sends a request and resolves with the consumer's reply. Rejects with a `RequestError` on
   * timeout, when the connection drops before the reply, or with the consumer's error message.
   */
  request<R extends ClientRequest<P>>(
    request: R,
    options: { timeoutMs?: number } = {},
  ): Promise<ClientReply<P, R>> {
    const id = this.nextId++;
    const frame: QueuedFrame = { data: request, id };
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 10_000;
    return new Promise<ClientReply<P, R>>((resolve, reject) => {
      const timer = setTimeout(
        () => this.settle(id, new RequestError(`No reply within ${timeoutMs} ms.`, "timeout")),
        timeoutMs,
      );
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
        frame,
        sentOn: null,
      });
      this.enqueue(frame);
    });
  }

  /** Closes the connection for good: no reconnect; queued messages are dropped, requests rejected. */
  close(code = 1000, reason = ""): void {
    if (this.state === "closed") return;
    const ws = this.ws;
    if (ws) {
      this.detach();
      ws.close(code, reason);
    }
    this.finish({ code, reason, willReconnect: false });
  }

  /** Tries to connect now instead of waiting out the backoff (also done on `online` and when the page shows again). */
  readonly retryNow = (): void => {
    if (this.state !== "reconnecting" || this.ws) return;
    clearTimeout(this.retryTimer);
    this.open();
  };

  private readonly onVisible = (): void => {
    if (scope.document?.visibilityState !== "visible") return;
    // Back from sleep: a connection that looks open may be dead. Ask now rather than in 20 s.
    if (this.state === "open" && this.envelope && this.options.heartbeat !== false) this.ping();
    else this.retryNow();
  };

  private currentUrl(): string {
    return typeof this.url === "function" ? this.url() : this.url;
  }

  private emit<K extends keyof SocketEvents<P>>(event: K, ...args: Parameters<SocketEvents<P>[K]>): void {
    for (const listener of this.listeners[event] ?? []) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        // A listener's bug is the page's to see, not a reason to stop reconnecting.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  private open(): void {
    this.retryTimer = undefined;
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocket(resolveSocketUrl(this.currentUrl()), this.options.protocols);
    } catch (error) {
      // A URL function that throws or returns a bad URL: retrying would fail the same way.
      this.emit("error", error instanceof Error ? error : new Error(String(error)));
      this.finish({ code: 1006, reason: "could not open a WebSocket", willReconnect: false });
      return;
    }
    this.ws = ws;
    this.envelope = false;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState("open");
      this.flush();
    };
    ws.onmessage = (event: { data: unknown }) => this.receive(event.data);
    ws.onclose = (event: { code: number; reason: string }) => this.lost(event.code, event.reason);
    // An error is always followed by a close, which does the work. A listener must be there all the
    // same: ws (Node) throws an 'error' event nobody listens to.
    ws.onerror = () => {};
  }

  /** Stops listening to the current connection. */
  private detach(): void {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    this.ws = null;
    clearTimeout(this.beatTimer);
    for (const [id, request] of this.pending) {
      if (request.sentOn === ws) {
        this.settle(id, new RequestError("The connection dropped before the reply came.", "disconnected"));
      }
    }
  }

  /** The connection ended without `close()`: reconnect unless the code or the retry limit says not to. */
  private lost(code: number, reason: string): void {
    this.detach();
    const reconnect = this.options.reconnect ?? {};
    const giveUp =
      reconnect === false ||
      neverReconnect(code) ||
      (this.options.noReconnectCodes ?? []).includes(code) ||
      this.attempt >= (reconnect.maxRetries ?? Number.POSITIVE_INFINITY);
    if (giveUp) {
      this.finish({ code, reason, willReconnect: false });
      return;
    }
    this.emit("close", { code, reason, willReconnect: true });
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => this.open(), backoffDelay(this.attempt++, reconnect));
  }

  private finish(info: CloseInfo): void {
    clearTimeout(this.retryTimer);
    scope.removeEventListener?.("online", this.retryNow);
    scope.document?.removeEventListener("visibilitychange", this.onVisible);
    this.state = "closed";
    this.emit("close", info);
    this.emit("state", "closed");
    for (const frame of this.queue.splice(0)) this.drop(frame, "closed");
    for (const id of [...this.pending.keys()]) {
      this.settle(id, new RequestError("The socket was closed.", "closed"));
    }
  }

  private enqueue(frame: QueuedFrame): boolean {
    if (this.state === "closed") {
      this.drop(frame, "closed");
      return false;
    }
    if (this.ws?.readyState === OPEN) {
      this.write(frame);
      return true;
    }
    const { max = 100, whenFull = "drop-oldest" } = this.options.queue ?? {};
    if (this.queue.length >= max) {
      if (whenFull === "refuse" || max <= 0) {
        this.drop(frame, "full");
        return false;
      }
      this.drop(this.queue.shift()!, "full");
    }
    this.queue.push(frame);
    return true;
  }

  private drop(frame: QueuedFrame, reason: "full" | "closed"): void {
    if (frame.id === undefined) {
      this.emit("dropped", frame.data as ClientSends<P>, reason);
    } else {
      const text = reason === "full" ? "The send queue was full." : "The socket was closed.";
      this.settle(frame.id, new RequestError(text, reason));
    }
  }

  private flush(): void {
    while (this.queue.length > 0 && this.ws?.readyState === OPEN) this.write(this.queue.shift()!);
  }

  private write(frame: QueuedFrame): void {
    const ws = this.ws!;
    if (frame.id === undefined) {
      // In envelope mode an app object that itself carries "$ch" travels wrapped, so it stays the app's.
      const data = frame.data;
      ws.send(JSON.stringify(this.envelope && isEnvelope(data) ? { [ENVELOPE_KEY]: "msg", data } : data));
      return;
    }
    const request = this.pending.get(frame.id);
    if (!request) return; // timed out while queued
    request.sentOn = ws;
    ws.send(JSON.stringify({ [ENVELOPE_KEY]: "req", id: frame.id, data: frame.data }));
  }

  private settle(id: number, error: RequestError | null, value?: unknown): void {
    const request = this.pending.get(id);
    if (!request) return; // late or duplicate: a reply arrives once or never
    this.pending.delete(id);
    clearTimeout(request.timer);
    const index = this.queue.indexOf(request.frame);
    if (index >= 0) this.queue.splice(index, 1);
    if (error) request.reject(error);
    else request.resolve(value);
  }

  private receive(data: unknown): void {
    this.heartbeat();
    let message: unknown;
    try {
      if (typeof data !== "string") throw new Error("binary frame");
      message = JSON.parse(data);
    } catch {
      this.emit("error", new Error("The server sent a frame that is not JSON text; it was ignored."));
      return;
    }
    if (!isEnvelope(message) || (!this.envelope && message.$ch !== "hello")) {
      this.emit("message", message as ServerSends<P>);
      return;
    }
    this.handle(message);
  }

  private handle(frame: Envelope): void {
    switch (frame.$ch) {
      case "hello":
        this.envelope = true;
        this.heartbeat();
        break;
      case "msg":
        this.emit("message", frame.data as ServerSends<P>);
        break;
      case "res":
        this.settle(frame.id, null, frame.data);
        break;
      case "err":
        this.settle(frame.id, new RequestError(String(frame.error), "server"));
        break;
      case "req":
        void this.answer(frame.id, frame.data);
        break;
      // "pong" only proves the connection lives, which receive() already noted; unknown kinds are ignored.
    }
  }

  private async answer(id: number, request: unknown): Promise<void> {
    const ws = this.ws;
    let reply: object;
    try {
      const handler = this.options.onRequest;
      if (!handler) throw new Error("This client takes no requests (no onRequest option).");
      reply = { [ENVELOPE_KEY]: "res", id, data: await handler(request as ServerRequest<P>) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = { [ENVELOPE_KEY]: "err", id, error: message };
    }
    // A reply belongs to the connection that asked; a new one would not know the id.
    if (ws && ws === this.ws && ws.readyState === OPEN) ws.send(JSON.stringify(reply));
  }

  /** Every frame proves the connection alive: wait `intervalMs` of silence again before pinging. */
  private heartbeat(): void {
    const options = this.options.heartbeat;
    if (!this.envelope || options === false) return;
    clearTimeout(this.beatTimer);
    this.beatTimer = setTimeout(() => this.ping(), options?.intervalMs ?? 20_000);
  }

  private ping(): void {
    const ws = this.ws;
    const options = this.options.heartbeat;
    if (!ws || options === false) return;
    clearTimeout(this.beatTimer);
    ws.send(JSON.stringify({ [ENVELOPE_KEY]: "ping" }));
    this.beatTimer = setTimeout(() => {
      // Half-open (sleep, NAT timeout): the browser would wait forever for a close. Leave it behind.
      this.detach();
      ws.close(4000, "no heartbeat reply");
      this.lost(1006, "no heartbeat reply");
    }, options?.timeoutMs ?? 10_000);
  }
}

/**
 * Opens a WebSocket that reconnects by itself. `url` may be relative to the page (`/ws/chat/`), or
 * a function called before each attempt (for a URL that changes, e.g. a fresh token).
 *
 * ```ts
 * const socket = connect<ChatProtocol>("/ws/chat/lobby/");
 * socket.on("message", (message) => render(message));
 * socket.send({ message: "hello" });
 * ```
 */
export function connect<P extends SocketProtocol = SocketProtocol>(
  url: string | (() => string),
  options: ConnectOptions<P> = {},
): ChannelSocket<P> {
  return new ChannelSocket<P>(url, options);
}
