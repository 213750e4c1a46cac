/**
 * The ASGI-style protocol: scopes, events and the application signature.
 *
 * Field names follow the ASGI HTTP/WebSocket 2.5 and lifespan 2.0 specs so the spec reads straight
 * onto these types (`query_string`, `more_body`, …). Differences from Python ASGI: header names and
 * values are strings (latin1), `query_string` and `raw_path` are strings, binary data is `Uint8Array`.
 */

/** A header list: lower-cased names, latin1 values, order and duplicates preserved. */
export type Headers = Array<[name: string, value: string]>;

/** `scope.asgi`: protocol versions the server speaks. */
export interface AsgiInfo {
  version: string;
  spec_version?: string;
}

/** Captures of the URL routers: positional `args` and named `kwargs`. */
export interface UrlRoute {
  args: string[];
  kwargs: Record<string, unknown>;
}

/** Keys every connection scope may carry, whatever its type. */
interface ScopeBase {
  asgi?: AsgiInfo;
  /** Extensions the server supports, e.g. `{"websocket.http.response": {}}`. */
  extensions?: Record<string, Record<string, unknown>>;
  /** Shallow copy of the lifespan state, when the server runs a lifespan scope. */
  state?: Record<string, unknown>;
  /** Set by `URLRouter`. */
  url_route?: UrlRoute;
  /** Set by nested `URLRouter`s: the part of the path not matched yet. */
  path_remaining?: string;
  /** Middleware may add their own keys (`cookies`, `session`, `user`, …). */
  [key: string]: unknown;
}

export interface HttpScope extends ScopeBase {
  type: "http";
  http_version: "1.0" | "1.1" | "2" | (string & {});
  method: string;
  scheme?: string;
  /** Percent-decoded path, without the query string. */
  path: string;
  /** The path as it came on the wire (still percent-encoded), without the query string. */
  raw_path?: string;
  /** Raw query string, after `?`, still percent-encoded. */
  query_string: string;
  root_path?: string;
  headers: Headers;
  client?: [host: string, port: number] | null;
  server?: [host: string, port: number | null] | null;
}

export interface WebSocketScope extends ScopeBase {
  type: "websocket";
  http_version?: string;
  scheme?: string;
  path: string;
  raw_path?: string;
  query_string: string;
  root_path?: string;
  headers: Headers;
  client?: [host: string, port: number] | null;
  server?: [host: string, port: number | null] | null;
  subprotocols: string[];
}

export interface LifespanScope extends ScopeBase {
  type: "lifespan";
}

/** A worker scope: one per channel name, see `ChannelNameRouter` and `Worker`. */
export interface ChannelScope extends ScopeBase {
  type: "channel";
  channel: string;
}

/** Every connection scope, discriminated on `type`. */
export type Scope = HttpScope | WebSocketScope | LifespanScope | ChannelScope;
export type ScopeType = Scope["type"];

// ---------------------------------------------------------------------------------------------
// Events the server (or a channel layer) delivers to the application.

export interface HttpRequestEvent {
  type: "http.request";
  body?: Uint8Array;
  more_body?: boolean;
}
export interface HttpDisconnectEvent {
  type: "http.disconnect";
}
export interface WebSocketConnectEvent {
  type: "websocket.connect";
}
export interface WebSocketReceiveEvent {
  type: "websocket.receive";
  text?: string | null;
  bytes?: Uint8Array | null;
}
export interface WebSocketDisconnectEvent {
  type: "websocket.disconnect";
  /** Close code; 1005 when the client's close frame had none, 1006 when the TCP connection dropped. */
  code: number;
  reason?: string;
}
export interface LifespanStartupEvent {
  type: "lifespan.startup";
}
export interface LifespanShutdownEvent {
  type: "lifespan.shutdown";
}

export type HttpReceiveEvent = HttpRequestEvent | HttpDisconnectEvent;
export type WebSocketReceiveEvents = WebSocketConnectEvent | WebSocketReceiveEvent | WebSocketDisconnectEvent;
export type LifespanReceiveEvent = LifespanStartupEvent | LifespanShutdownEvent;
/** What `receive()` resolves to. Channel-layer messages reach consumers through `dispatch`, not here. */
export type ReceiveEvent = HttpReceiveEvent | WebSocketReceiveEvents | LifespanReceiveEvent;

// ---------------------------------------------------------------------------------------------
// Events the application sends to the server.

export interface HttpResponseStartEvent {
  type: "http.response.start";
  status: number;
  headers?: Headers;
  trailers?: boolean;
}
export interface HttpResponseBodyEvent {
  type: "http.response.body";
  body?: Uint8Array;
  more_body?: boolean;
}
export interface HttpResponseTrailersEvent {
  type: "http.response.trailers";
  headers?: Headers;
  more_trailers?: boolean;
}
export interface WebSocketAcceptEvent {
  type: "websocket.accept";
  subprotocol?: string | null;
  headers?: Headers;
}
export interface WebSocketSendEvent {
  type: "websocket.send";
  text?: string | null;
  bytes?: Uint8Array | null;
}
export interface WebSocketCloseEvent {
  type: "websocket.close";
  code?: number;
  reason?: string;
}
/** Denial-response extension: a full HTTP response instead of accepting the WebSocket. */
export interface WebSocketHttpResponseStartEvent {
  type: "websocket.http.response.start";
  status: number;
  headers?: Headers;
}
export interface WebSocketHttpResponseBodyEvent {
  type: "websocket.http.response.body";
  body?: Uint8Array;
  more_body?: boolean;
}
export interface LifespanStartupCompleteEvent {
  type: "lifespan.startup.complete";
}
export interface LifespanStartupFailedEvent {
  type: "lifespan.startup.failed";
  message?: string;
}
export interface LifespanShutdownCompleteEvent {
  type: "lifespan.shutdown.complete";
}
export interface LifespanShutdownFailedEvent {
  type: "lifespan.shutdown.failed";
  message?: string;
}

export type HttpSendEvent = HttpResponseStartEvent | HttpResponseBodyEvent | HttpResponseTrailersEvent;
export type WebSocketSendEvents =
  | WebSocketAcceptEvent
  | WebSocketSendEvent
  | WebSocketCloseEvent
  | WebSocketHttpResponseStartEvent
  | WebSocketHttpResponseBodyEvent;
export type LifespanSendEvent =
  | LifespanStartupCompleteEvent
  | LifespanStartupFailedEvent
  | LifespanShutdownCompleteEvent
  | LifespanShutdownFailedEvent;
export type SendEvent = HttpSendEvent | WebSocketSendEvents | LifespanSendEvent;

/**
 * A channel-layer message: any plain object with a string `type`. Values must survive the layer's
 * encoding: strings, numbers, bigints, booleans, null, `Uint8Array`, arrays and plain objects.
 */
export interface LayerMessage {
  type: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// The application interface.

export type Receive = () => Promise<ReceiveEvent>;
export type Send = (event: SendEvent) => Promise<void>;

/** An application is a plain async function, called once per connection scope. */
export type Application = (scope: Scope, receive: Receive, send: Send) => Promise<void>;
