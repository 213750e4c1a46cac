import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";

/**
 * HTTP/2 streams reach the application through Node's compatibility API, so one `HttpInstance`
 * serves HTTP/1.1 and HTTP/2 alike; this file holds what differs between them.
 */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

export function isHttp2(req: HttpRequest): req is Http2ServerRequest {
  // An HTTP/1.1 connection may send the request line `GET / HTTP/2.0` (llhttp accepts it): only a
  // request of the HTTP/2 server has a stream.
  return req.httpVersionMajor === 2 && "stream" in req;
}

/** Request body length, `-1` when unknown (chunked, or an HTTP/2 stream with DATA frames to come). */
export function expectedBodyLength(req: HttpRequest): number {
  const length = req.headers["content-length"];
  if (length !== undefined) return Number.parseInt(length, 10) || 0;
  if (isHttp2(req)) return req.stream.endAfterHeaders ? 0 : -1;
  return req.headers["transfer-encoding"] === undefined ? 0 : -1;
}

// Connection-specific headers are forbidden in HTTP/2 (RFC 9113 §8.2.2): Node throws on them.
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/** Drops the HTTP/1.1 connection headers an application may send (`connection: close`, …) from a flat list. */
export function withoutConnectionHeaders(flat: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    if (!CONNECTION_HEADERS.has(name.toLowerCase())) kept.push(name.toLowerCase(), flat[i + 1] as string);
  }
  return kept;
}

/** HTTP/2 response headers: `:status` and a flat header list, minus the headers HTTP/2 forbids. */
export function http2Headers(status: number, flat: string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ":status": String(status) };
  const kept = withoutConnectionHeaders(flat);
  for (let i = 0; i + 1 < kept.length; i += 2) {
    const name = kept[i] as string;
    const value = kept[i + 1] as string;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing, value];
  }
  return headers;
}

/** Cuts a response short so that the client sees it incomplete, not as a finished body. */
export function abortResponse(res: HttpResponse): void {
  if ("stream" in res) {
    // RST_STREAM: on HTTP/2 only this stream fails; the connection's other streams carry on.
    res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  // HTTP/1.1: flush what was written, then close without the final chunk.
  const socket = res.socket;
  if (socket !== null) socket.end();
  else res.destroy();
}

/** Trailer fields as Node's `addTrailers` takes them; repeated names are joined with ", ". */
export function trailerObject(flat: readonly string[]): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = (flat[i] as string).toLowerCase();
    const value = flat[i + 1] as string;
    trailers[name] = name in trailers ? `${trailers[name]}, ${value}` : value;
  }
  return trailers;
}

/** The calls `HttpInstance` makes, typed once for both response classes (both accept a flat header list). */
interface ResponseWriter {
  writeHead(status: number, headers: string[]): unknown;
  write(chunk: Uint8Array): boolean;
}

export function writeHead(res: HttpResponse, status: number, flat: string[]): void {
  (res as unknown as ResponseWriter).writeHead(status, flat);
}

/** Writes a body chunk; `false` means wait for `drain` (the socket's or the stream's flow-control window is full). */
export function writeChunk(res: HttpResponse, chunk: Uint8Array): boolean {
  return (res as unknown as ResponseWriter).write(chunk);
}
