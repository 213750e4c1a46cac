import type { TLSSocket } from "node:tls";
import type { Headers } from "../protocol/types";
import { type HttpRequest, isHttp2 } from "./http-versions";
import type { ResolvedOptions } from "./options";

/** The parts of a scope that HTTP and WebSocket connections share. */
export interface RequestParts {
  path: string;
  raw_path: string;
  query_string: string;
  headers: Headers;
  client: [host: string, port: number] | null;
  server: [host: string, port: number | null] | null;
  /** `"http"` or `"https"`; WebSocket scopes map it to `ws` / `wss`. */
  scheme: "http" | "https";
}

/** Thrown for a request line the server cannot turn into a scope; answered with 400. */
export class BadRequest extends Error {
  override name = "BadRequest";
}

// Memory per idle connection matters (a scope lives as long as its WebSocket): header names, and
// the values of headers that repeat across clients, are shared through small bounded caches.
const MAX_INTERNED = 512;
const internedNames = new Map<string, string>();
const internedValues = new Map<string, string>();
const SHARED_VALUE_HEADERS = new Set([
  "host",
  "connection",
  "upgrade",
  "origin",
  "user-agent",
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "pragma",
  "sec-websocket-version",
  "sec-websocket-extensions",
]);

function lowerName(raw: string): string {
  let name = internedNames.get(raw);
  if (name === undefined) {
    name = raw.toLowerCase();
    if (internedNames.size < MAX_INTERNED) internedNames.set(raw, name);
  }
  return name;
}

function sharedValue(value: string): string {
  const interned = internedValues.get(value);
  if (interned !== undefined) return interned;
  if (internedValues.size < MAX_INTERNED && value.length <= 256) internedValues.set(value, value);
  return value;
}

/** The last `server` tuple, reused while connections keep arriving on the same address. */
let lastServer: [string, number | null] | null = null;

/**
 * Header list of a scope: names lower-cased, latin1 values, order and duplicates kept. Names with
 * `_` are dropped, as Daphne does: a proxy may pass `X_Forwarded_For` that a WSGI-style
 * application would confuse with `X-Forwarded-For` (CVE-2015-0219). HTTP/2 pseudo-headers are
 * removed, `:authority` becoming `host` as ASGI asks.
 */
export function scopeHeaders(rawHeaders: readonly string[]): Headers {
  const headers: Headers = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    let name = lowerName(rawHeaders[i] as string);
    if (name.charCodeAt(0) === 58 /* ":" */) {
      if (name !== ":authority") continue;
      name = "host";
    }
    if (name.includes("_")) continue;
    const value = rawHeaders[i + 1] as string;
    headers.push([name, SHARED_VALUE_HEADERS.has(name) ? sharedValue(value) : value]);
  }
  return headers;
}

function firstHeader(headers: Headers, name: string): string | undefined {
  for (const [key, value] of headers) if (key === name) return value;
  return undefined;
}

/** Decodes `%xx` escapes as UTF-8; `null` when the escapes are malformed. */
export function decodePath(rawPath: string): string | null {
  if (!rawPath.includes("%")) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return null;
  }
}

export function requestParts(req: HttpRequest, options: ResolvedOptions): RequestParts {
  let url = req.url ?? "/";
  // Absolute-form request targets (sent to proxies) carry scheme and host: keep the path only.
  if (!url.startsWith("/")) {
    const schemeEnd = url.indexOf("://");
    if (schemeEnd !== -1) {
      const pathStart = url.indexOf("/", schemeEnd + 3);
      url = pathStart === -1 ? "/" : url.slice(pathStart);
    }
  }
  const queryStart = url.indexOf("?");
  const rawPath = queryStart === -1 ? url : url.slice(0, queryStart);
  const queryString = queryStart === -1 ? "" : url.slice(queryStart + 1);
  const path = decodePath(rawPath);
  if (path === null) throw new BadRequest("Invalid characters in path");

  const headers = scopeHeaders(req.rawHeaders);
  const socket = req.socket;
  const remoteAddress = socket.remoteAddress;
  let client: [string, number] | null =
    remoteAddress === undefined ? null : [sharedValue(remoteAddress), socket.remotePort ?? 0];
  let server: [string, number | null] | null = null;
  const localAddress = socket.localAddress;
  if (localAddress !== undefined) {
    const localPort = socket.localPort ?? null;
    if (lastServer === null || lastServer[0] !== localAddress || lastServer[1] !== localPort) {
      lastServer = [localAddress, localPort];
    }
    server = lastServer;
  }
  // Reading the addresses made net.Socket cache {address, family, port} objects for the socket's
  // lifetime; the scope holds what it needs, so drop the caches (Node rebuilds them on demand).
  const cached = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  cached._peername = undefined;
  cached._sockname = undefined;
  let scheme: "http" | "https" = (socket as TLSSocket).encrypted ? "https" : "http";
  // HTTP/2 says its scheme (`:scheme`); behind an h2c proxy that is the client's scheme.
  if (isHttp2(req) && (req.scheme === "https" || req.scheme === "http")) scheme = req.scheme;

  if (options.proxyHeaders) {
    const forwardedFor = firstHeader(headers, "x-forwarded-for");
    if (forwardedFor !== undefined) {
      const address = (forwardedFor.split(",")[0] as string).trim();
      const forwardedPort = Number.parseInt(firstHeader(headers, "x-forwarded-port") ?? "", 10);
      if (address !== "") client = [address, Number.isFinite(forwardedPort) ? forwardedPort : 0];
    }
    const proto = firstHeader(headers, "x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    if (proto === "https" || proto === "wss") scheme = "https";
    else if (proto === "http" || proto === "ws") scheme = "http";
  }

  return { path, raw_path: rawPath, query_string: queryString, headers, client, server, scheme };
}

/** `requestParts`, or `null` once `refuse(400, why)` answered a request that has none (a bad path). */
export function requestPartsOrRefuse(
  req: HttpRequest,
  options: ResolvedOptions,
  refuse: (status: number, text: string) => void,
): RequestParts | null {
  try {
    return requestParts(req, options);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    refuse(400, error.message);
    return null;
  }
}

/** `req.httpVersion` builds a new string per request: share the common ones. */
export function httpVersion(req: HttpRequest): string {
  if (req.httpVersionMajor === 1) return req.httpVersionMinor === 1 ? "1.1" : "1.0";
  return req.httpVersionMajor === 2 ? "2" : req.httpVersion;
}

/** `Sec-WebSocket-Protocol` as a list: split on commas, trimmed, URL-unquoted (as Daphne does). */
export function parseSubprotocols(header: string | undefined): string[] {
  if (header === undefined || header === "") return [];
  const protocols: string[] = [];
  for (const part of header.split(",")) {
    const trimmed = part.trim();
    if (trimmed !== "") protocols.push(decodePath(trimmed) ?? trimmed);
  }
  return protocols;
}
