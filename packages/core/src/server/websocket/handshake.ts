import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { WebSocketScope } from "../../protocol/types";
import type { ExtraHeaders } from "../responses";
import { httpVersion, parseSubprotocols, type RequestParts } from "../scope";

/** Reading a WebSocket handshake: which requests are one, which to refuse, and the scope they get. */

/** A handshake refused before the application sees it. */
export interface Refusal {
  status: number;
  text: string;
  headers?: ExtraHeaders;
}

/** What the application's `websocket.accept` decided, for the 101 (or, over HTTP/2, 200) response. */
export interface AcceptDecision {
  /** The subprotocol chosen among those offered, or `null` for none. */
  subprotocol: string | null;
  /** Extra response headers, as a flat `[name, value, …]` list. */
  headers: string[];
}

const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/**
 * An HTTP/1.1 upgrade to WebSocket (`Upgrade: websocket`), as opposed to another protocol such as
 * `h2c`. `serve()` and `attach()` decide with this one test.
 */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase() === "websocket";
}

/**
 * Refuses what ws's `handleUpgrade` would refuse (the same statuses and texts), before the
 * application spends anything on the request: another Upgrade, another method, a bad key or version.
 */
export function checkUpgrade(req: IncomingMessage): Refusal | null {
  if (!isWebSocketUpgrade(req)) return { status: 400, text: "Invalid Upgrade header" };
  if (req.method !== "GET") return { status: 405, text: "Invalid HTTP method" };
  const key = req.headers["sec-websocket-key"];
  if (key === undefined || !KEY_PATTERN.test(key)) {
    return { status: 400, text: "Missing or invalid Sec-WebSocket-Key header" };
  }
  const version = req.headers["sec-websocket-version"];
  if (version !== "13" && version !== "8") {
    return {
      status: 400,
      text: "Missing or invalid Sec-WebSocket-Version header",
      headers: { "sec-websocket-version": "13, 8" },
    };
  }
  return null;
}

/** RFC 8441 §5: an extended CONNECT has no Sec-WebSocket-Key (the stream is the client's own); the version still counts. */
export function checkExtendedConnect(req: Http2ServerRequest): Refusal | null {
  if (req.headers["sec-websocket-version"] === "13") return null;
  return {
    status: 400,
    text: "Missing or invalid Sec-WebSocket-Version header",
    headers: { "sec-websocket-version": "13" },
  };
}

// Shared, frozen: one copy for every connection (memory per idle socket matters).
const WS_ASGI = Object.freeze({ version: "3.0", spec_version: "2.5" });
const WS_EXTENSIONS: Record<string, Record<string, unknown>> = Object.freeze({
  "websocket.http.response": Object.freeze({}),
}) as Record<string, Record<string, unknown>>;
const NO_SUBPROTOCOLS: string[] = Object.freeze([]) as unknown as string[];

/** The `websocket` scope of a handshake. */
export function webSocketScope(
  req: IncomingMessage | Http2ServerRequest,
  parts: RequestParts,
  rootPath: string,
  state: Record<string, unknown> | null,
): WebSocketScope {
  const offered = req.headers["sec-websocket-protocol"];
  const scope: WebSocketScope = {
    type: "websocket",
    asgi: WS_ASGI,
    http_version: httpVersion(req),
    scheme: parts.scheme === "https" ? "wss" : "ws",
    path: parts.path,
    raw_path: parts.raw_path,
    query_string: parts.query_string,
    root_path: rootPath,
    headers: parts.headers,
    client: parts.client,
    server: parts.server,
    subprotocols: offered === undefined ? NO_SUBPROTOCOLS : parseSubprotocols(offered),
    extensions: WS_EXTENSIONS,
  };
  if (state !== null) scope.state = { ...state };
  return scope;
}
