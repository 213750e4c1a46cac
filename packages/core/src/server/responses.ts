import { STATUS_CODES } from "node:http";
import type { ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { type HttpResponse, http2Headers } from "./http-versions";

/**
 * Every response the server writes itself (refusals, errors, 404, 503) and the denial responses
 * an application streams for a WebSocket handshake, on each of the three things a response can
 * go out on: a request's response object (HTTP/1.1 or HTTP/2), a raw HTTP/1.1 socket (an upgrade
 * request, before ws takes it) and an HTTP/2 stream (an RFC 8441 extended CONNECT).
 */

const PLAIN_TEXT = "text/plain; charset=utf-8";

/** Extra header fields of a response the server writes itself. */
export type ExtraHeaders = Readonly<Record<string, string>>;

/** A plain-text response on a request's response object. Returns the body bytes sent (for the access log). */
export function writePlainResponse(
  res: HttpResponse,
  status: number,
  text: string,
  extra: ExtraHeaders = {},
): number {
  if (res.headersSent) {
    res.destroy();
    return 0;
  }
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, { ...extra, "content-type": PLAIN_TEXT, "content-length": body.length });
  res.end(body);
  return body.length;
}

/** The status line and `connection: close` of a response written on a raw HTTP/1.1 socket. */
function rawStatusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nconnection: close\r\n`;
}

function rawFields(extra: ExtraHeaders): string {
  let fields = "";
  for (const name in extra) fields += `${name}: ${extra[name]}\r\n`;
  return fields;
}

/** A complete plain-text HTTP/1.1 response, as bytes to write on a raw socket. */
export function rawPlainResponse(status: number, text: string, extra: ExtraHeaders = {}): string {
  const length = Buffer.byteLength(text, "utf8");
  const type = length === 0 ? "" : `content-type: ${PLAIN_TEXT}\r\n`;
  return `${rawStatusLine(status)}${type}content-length: ${length}\r\n${rawFields(extra)}\r\n${text}`;
}

/** Writes a complete plain-text response on a raw socket (an upgrade refused) and closes it. */
export function writeRawResponse(
  socket: Duplex,
  status: number,
  text: string,
  extra: ExtraHeaders = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  endSocket(socket, rawPlainResponse(status, text, extra));
}

/** Ends our side, and closes the socket as soon as the client ends its side (upgrade sockets are half-open). */
export function endSocket(socket: Duplex, last?: string): void {
  socket.on("end", destroyOnEnd);
  socket.resume();
  socket.end(last);
}

/** An `end` listener for raw sockets: the client left, close our side too. */
export function destroyOnEnd(this: Duplex): void {
  this.destroy();
}

/** A complete plain-text response on an HTTP/2 stream (an RFC 8441 handshake refused). */
export function respondOnStream(
  stream: ServerHttp2Stream,
  status: number,
  text: string,
  extra: ExtraHeaders = {},
): void {
  if (stream.destroyed || stream.closed) return;
  const body = Buffer.from(text, "utf8");
  stream.respond({ ":status": status, "content-type": PLAIN_TEXT, "content-length": body.length, ...extra });
  stream.end(body);
}

/** A response the application streams to deny a WebSocket handshake (`websocket.http.response.*`). */
export interface DenialResponse {
  /** Writes a body chunk; the last one (`more` false) ends the response and the connection. */
  write(body: Uint8Array, more: boolean): void;
}

/**
 * A denial on a raw HTTP/1.1 socket. The head waits for the first body chunk so that a response
 * sent in one piece gets a `content-length`; one sent in several is chunked (unless the
 * application framed it itself with `content-length` or `transfer-encoding`).
 */
export function http1Denial(socket: Duplex, status: number, flat: string[], framed: boolean): DenialResponse {
  let head = rawStatusLine(status);
  for (let i = 0; i + 1 < flat.length; i += 2) head += `${flat[i]}: ${flat[i + 1]}\r\n`;
  let chunked = false;
  return {
    write(body, more) {
      if (head !== "") {
        let fields = head;
        head = "";
        if (!framed) {
          if (more) {
            fields += "transfer-encoding: chunked\r\n";
            chunked = true;
          } else fields += `content-length: ${body.length}\r\n`;
        }
        socket.write(`${fields}\r\n`);
      }
      if (chunked) {
        if (body.length > 0) {
          socket.write(`${body.length.toString(16)}\r\n`);
          socket.write(body);
          socket.write("\r\n");
        }
        if (!more) socket.write("0\r\n\r\n");
      } else if (body.length > 0) socket.write(body);
      if (!more) endSocket(socket);
    },
  };
}

/** A denial on an HTTP/2 stream: HTTP/2 frames the body itself (no length or chunking to add). */
export function http2Denial(stream: ServerHttp2Stream, status: number, flat: string[]): DenialResponse {
  let headers: Record<string, string | string[]> | null = http2Headers(status, flat);
  return {
    write(body, more) {
      if (headers !== null) {
        if (!stream.destroyed) stream.respond(headers);
        headers = null;
      }
      if (body.length > 0 && !stream.destroyed) stream.write(body);
      if (!more) stream.end();
    },
  };
}
