import type { ConnectionScope } from "../middleware/connection-scope";
import type { Headers, Receive, Send } from "../protocol/types";

/** The HTTP response a refused connection gets, where the server can send one. */
export interface DenialResponse {
  /** @default 403 */
  status?: number;
  /** A short plain-text body. @default "Forbidden" (403), "Unauthorized" (401), … */
  body?: string;
  /** Extra response headers, e.g. `[["www-authenticate", "Bearer"]]`. @default [] */
  headers?: Headers;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
};
const encoder = new TextEncoder();

/** Whether the server behind this scope can send an HTTP response instead of a WebSocket handshake. */
export function supportsDenialResponse(scope: ConnectionScope): boolean {
  return scope.type === "websocket" && scope.extensions?.["websocket.http.response"] !== undefined;
}

function validStatus(status: number): number {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError(`A denial status must be an HTTP error status (400-599); got ${String(status)}.`);
  }
  return status;
}

/**
 * Sends the refusal for a connection whose handshake event (`websocket.connect`) was already
 * received: a real HTTP response through the `websocket.http.response` extension when the server
 * has it, else a close before accept (the server answers 403; test communicators see code 1000).
 */
export async function sendDenial(
  scope: ConnectionScope,
  send: Send,
  response: DenialResponse = {},
): Promise<void> {
  const status = validStatus(response.status ?? 403);
  const body = encoder.encode(response.body ?? REASONS[status] ?? "Access denied");
  const headers: Headers = [
    ["content-type", "text/plain; charset=utf-8"],
    ["content-length", String(body.byteLength)],
    ...(response.headers ?? []),
  ];
  if (scope.type === "http") {
    await send({ type: "http.response.start", status, headers });
    await send({ type: "http.response.body", body });
  } else if (supportsDenialResponse(scope)) {
    await send({ type: "websocket.http.response.start", status, headers });
    await send({ type: "websocket.http.response.body", body });
  } else {
    await send({ type: "websocket.close" });
  }
}

/**
 * Refuses a connection from middleware, before any consumer runs: waits for the WebSocket
 * handshake event as the protocol asks, then sends the denial (see `sendDenial`). HTTP requests get
 * the response straight away.
 */
export async function denyConnection(
  scope: ConnectionScope,
  receive: Receive,
  send: Send,
  response: DenialResponse = {},
): Promise<void> {
  if (scope.type === "websocket") {
    const event = await receive();
    // The client left before the handshake reached us: nothing to refuse.
    if (event.type !== "websocket.connect") return;
  }
  await sendDenial(scope, send, response);
}
