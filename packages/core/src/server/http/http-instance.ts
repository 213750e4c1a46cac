import type { IncomingMessage, ServerResponse } from "node:http";
import { type Http2ServerRequest, constants as http2Constants } from "node:http2";
import { ProtocolError, RouteNotFound } from "../../exceptions";
import { currentMetrics, type Metrics } from "../../metrics/metrics";
import type { HttpScope, SendEvent } from "../../protocol/types";
import { ConnectionInstance, type ProtocolHost } from "../connection";
import {
  abortResponse,
  expectedBodyLength,
  type HttpRequest,
  type HttpResponse,
  isHttp2,
  trailerObject,
  withoutConnectionHeaders,
  writeChunk,
  writeHead,
} from "../http-versions";
import { clock } from "../instance";
import { isLayerUnavailable, LAYER_UNAVAILABLE_HEADERS } from "../layer-outage";
import { logTarget, logText } from "../log-text";
import { clientLabel } from "../logger";
import { writePlainResponse } from "../responses";
import { httpVersion, type RequestParts } from "../scope";
import { checkBody, checkHeaders, checkStatus } from "../validate";
import { BODY_LIMIT_EXTENSION, type BodyLimit } from "./body-limit";

const EMPTY = Buffer.alloc(0);
const DISCONNECT = Object.freeze({ type: "http.disconnect" as const });

function ignoreError(): void {}

const NOT_STARTED = 0;
/** `http.response.start` received; headers wait for the first body event (to add a length). */
const STARTED = 1;
const HEADERS_SENT = 2;
/** The body is complete; `http.response.trailers` ends the response (`trailers: true`). */
const AWAITING_TRAILERS = 3;
const COMPLETE = 4;

/** Where `attach({ routeHttp })` sends a request the application raised `RouteNotFound` on. */
export type Fallthrough = (req: IncomingMessage, res: ServerResponse) => void;

/** One HTTP request (HTTP/1.x or one HTTP/2 stream): its scope, its streamed body, its streamed response. */
export class HttpInstance extends ConnectionInstance {
  readonly scope: HttpScope;
  private state = NOT_STARTED;
  private status = 0;
  private responseHeaders: string[] = [];
  private hasLength = false;
  /** The application sent `trailers: true`: the last body chunk does not end the response. */
  private wantsTrailers = false;
  private trailers: string[] = [];
  /** Content-Length of the request, `-1` when chunked; body chunks count down to it. */
  private readonly expected: number;
  private received = 0;
  private bodyDone = false;
  private readingBody = false;
  /** The response is over: finished, or the client went away. */
  private gone = false;
  private touched = false;
  private bytesSent = 0;
  private drainResolve: (() => void) | null = null;
  /** For the HTTP timeout (on `clock()`; `0` when none). */
  private timeoutAt = 0;
  /**
   * HTTP/2 only (Node applies `requestTimeout` to HTTP/1.1 itself): when the whole request body
   * must have arrived, on `clock()`; `0` when there is no body or it is complete.
   */
  private requestDeadline = 0;
  /** `maxRequestBodyBytes`, as the scope's extension carries it (the application may lift it). */
  private readonly bodyLimit: BodyLimit;
  /** Read once per request, so the connection gauge it raises it also lowers. */
  private readonly metrics: Metrics;

  constructor(
    private readonly host: ProtocolHost,
    readonly req: HttpRequest,
    readonly res: HttpResponse,
    parts: RequestParts,
    /** `attach({ routeHttp })`: where a request goes when the application raises `RouteNotFound` untouched. */
    private readonly fallthrough: Fallthrough | null,
  ) {
    super();
    const options = host.options;
    const scope: HttpScope = {
      type: "http",
      asgi: { version: "3.0", spec_version: "2.5" },
      http_version: httpVersion(req),
      method: req.method ?? "GET",
      scheme: parts.scheme,
      path: parts.path,
      raw_path: parts.raw_path,
      query_string: parts.query_string,
      root_path: options.rootPath,
      headers: parts.headers,
      client: parts.client,
      server: parts.server,
    };
    if (host.lifespanState !== null) scope.state = { ...host.lifespanState };
    this.bodyLimit = { max_bytes: options.maxRequestBodyBytes };
    scope.extensions = { [BODY_LIMIT_EXTENSION]: this.bodyLimit as unknown as Record<string, unknown> };
    this.scope = scope;
    this.expected = expectedBodyLength(req);
    if (options.httpTimeoutMs !== undefined) this.timeoutAt = clock() + options.httpTimeoutMs;
    if (this.expected !== 0 && isHttp2(req)) this.requestDeadline = clock() + options.requestTimeoutMs;
    res.on("close", this.onResponseClose);
    this.metrics = currentMetrics();
    if (this.metrics.enabled)
      this.metrics.addToGauge("channels_connections", 1, {
        protocol: "http",
        http_version: scope.http_version,
      });
  }

  /** The path as the client sent it (the server always sets `raw_path`), for log lines. */
  private rawPath(): string {
    return this.scope.raw_path ?? this.scope.path;
  }

  protected override onReceiveWaiting(): void {
    this.touched = true;
    if (!this.bodyDone && !this.gone) {
      if (this.expected === 0) {
        this.bodyDone = true;
        this.deliver({ type: "http.request", body: EMPTY, more_body: false });
        return;
      }
      const max = this.bodyLimit.max_bytes;
      if (max !== null && this.expected > max) {
        // The declared length is over the limit: answer now, without reading a byte of it.
        this.refuseBody(413, `Request body larger than ${max} bytes.`);
        return;
      }
      if (!this.readingBody) {
        this.readingBody = true;
        this.req.on("readable", this.pullBody);
        this.req.on("end", this.pullBody);
        // An aborted upload surfaces as the response's 'close' (→ http.disconnect), not as a crash.
        this.req.on("error", ignoreError);
      }
      this.pullBody();
      return;
    }
    if (this.gone) this.deliver(DISCONNECT);
  }

  private readonly pullBody = (): void => {
    if (!this.waiting || this.bodyDone) return;
    const chunk = this.req.read() as Buffer | null;
    if (chunk !== null) {
      this.received += chunk.length;
      const max = this.bodyLimit.max_bytes;
      if (max !== null && this.received > max) {
        this.refuseBody(413, `Request body larger than ${max} bytes.`);
        return;
      }
      const last = this.expected > 0 && this.received >= this.expected;
      if (last) this.bodyDone = true;
      this.deliver({ type: "http.request", body: chunk, more_body: !last });
    } else if (this.req.readableEnded) {
      this.bodyDone = true;
      this.deliver({ type: "http.request", body: EMPTY, more_body: false });
    }
  };

  /**
   * The body passed `maxRequestBodyBytes` (413) or did not arrive in time (408, HTTP/2): stop
   * reading it, answer `status` (closing the HTTP/1.1
   * connection, resetting the HTTP/2 stream once the answer is out, so the rest is never read),
   * and tell the application the client is gone.
   */
  private refuseBody(status: number, text: string): void {
    this.bodyDone = true;
    this.req.off("readable", this.pullBody);
    this.req.off("end", this.pullBody);
    if (this.state === NOT_STARTED || this.state === STARTED) {
      this.state = COMPLETE;
      const http2 = isHttp2(this.req);
      this.bytesSent += writePlainResponse(this.res, status, text, http2 ? {} : { connection: "close" });
      // RST_STREAM NO_ERROR once the answer is out: the client stops sending (RFC 9113 §8.1).
      if (http2) (this.req as Http2ServerRequest).stream.close(http2Constants.NGHTTP2_NO_ERROR);
    } else {
      abortResponse(this.res);
    }
    this.gone = true;
    this.deliver(DISCONNECT);
  }

  private readonly onResponseClose = (): void => {
    this.gone = true;
    if (this.state !== COMPLETE) this.state = COMPLETE;
    if (this.metrics.enabled) {
      const http_version = this.scope.http_version;
      this.metrics.addToGauge("channels_connections", -1, { protocol: "http", http_version });
      if (this.res.headersSent) {
        this.metrics.increment("channels_connections_accepted_total", { protocol: "http", http_version });
        this.metrics.increment("channels_http_responses_total", {
          http_version,
          status: this.res.statusCode,
        });
      }
    }
    if (this.host.accessLog)
      this.host.logger.info(
        {
          event: "http.response",
          client: clientLabel(this.scope.client),
          method: this.scope.method,
          path: this.scope.path,
          status: this.res.headersSent ? this.res.statusCode : null,
          bytes: this.bytesSent,
        },
        `${clientLabel(this.scope.client)} - - "${this.scope.method} ${logTarget(this.rawPath(), this.scope.query_string, this.host.options.redactQueryParams)} HTTP/${this.scope.http_version}" ${this.res.headersSent ? this.res.statusCode : "-"} ${this.bytesSent}`,
      );
    this.drainResolve?.();
    this.drainResolve = null;
    if (this.waiting) this.deliver(DISCONNECT);
    if (!this.finished) this.host.disconnected(this);
  };

  protected handleSend(event: SendEvent): Promise<void> | undefined {
    this.touched = true;
    if (event.type === "http.response.body") return this.sendBody(event.body, event.more_body === true);
    if (event.type === "http.response.trailers") {
      this.sendTrailers(event.headers, event.more_trailers === true);
      return undefined;
    }
    if (event.type === "http.response.start") {
      if (this.state !== NOT_STARTED) {
        if (this.gone) return undefined;
        throw new ProtocolError(
          "HTTP response has already been started: send http.response.start once per request.",
        );
      }
      this.status = checkStatus(event.status, "http.response.start");
      const flat: string[] = [];
      this.hasLength = checkHeaders(event.headers, "http.response.start", flat);
      this.wantsTrailers = event.trailers === true;
      this.responseHeaders = isHttp2(this.req) ? withoutConnectionHeaders(flat) : flat;
      this.state = STARTED;
      return undefined;
    }
    throw new TypeError(
      `Cannot send "${event.type}" on an HTTP connection: send http.response.start, then http.response.body events.`,
    );
  }

  private sendBody(rawBody: unknown, more: boolean): Promise<void> | undefined {
    const body = checkBody(rawBody, "http.response.body");
    if (this.state === NOT_STARTED) {
      throw new ProtocolError("Send http.response.start before http.response.body.");
    }
    if (this.state === AWAITING_TRAILERS) {
      throw new ProtocolError("The response body is complete: send http.response.trailers, not more body.");
    }
    if (this.state === COMPLETE || this.gone) return undefined;
    const res = this.res;
    if (this.state === STARTED) {
      // With trailers, HTTP/1.1 must stay chunked: no Content-Length.
      if (!more && !this.hasLength && !this.wantsTrailers)
        this.responseHeaders.push("content-length", String(body.length));
      try {
        writeHead(res, this.status, this.responseHeaders);
      } catch (error) {
        this.state = NOT_STARTED;
        throw new TypeError(`Invalid response headers in http.response.start: ${(error as Error).message}`);
      }
      this.state = HEADERS_SENT;
      this.timeoutAt = 0; // the response started: the HTTP timeout no longer applies
    }
    this.bytesSent += body.length;
    if (!more && !this.wantsTrailers) {
      this.state = COMPLETE;
      res.end(body);
      return undefined;
    }
    if (!more) this.state = AWAITING_TRAILERS;
    if (body.length === 0 || writeChunk(res, body)) return undefined;
    // The socket's buffer is full: the application waits here until the client reads (backpressure).
    return new Promise<void>((resolve) => {
      this.drainResolve = resolve;
      res.once("drain", this.onDrain);
    });
  }

  private sendTrailers(headers: unknown, more: boolean): void {
    if (!this.wantsTrailers) {
      throw new ProtocolError("Send http.response.start with trailers: true before http.response.trailers.");
    }
    if (this.state !== AWAITING_TRAILERS) {
      if (this.state === COMPLETE || this.gone) return;
      throw new ProtocolError("Send the whole body (more_body: false) before http.response.trailers.");
    }
    checkHeaders(headers, "http.response.trailers", this.trailers);
    if (more) return;
    this.state = COMPLETE;
    // HTTP/1.1 sends trailers only on chunked responses; with a Content-Length Node drops them.
    this.res.addTrailers(trailerObject(this.trailers));
    this.res.end();
  }

  private readonly onDrain = (): void => {
    const resolve = this.drainResolve;
    this.drainResolve = null;
    resolve?.();
  };

  /** True when the server must watch this request's deadlines (`httpTimeoutMs`, the HTTP/2 request timeout). */
  get timed(): boolean {
    return this.timeoutAt !== 0 || this.requestDeadline !== 0;
  }

  /** The HTTP timeout and the HTTP/2 request timeout: true while either still applies. */
  sweep(now: number): boolean {
    if (this.finished) return false;
    if (this.requestDeadline !== 0) {
      const stream = (this.req as Http2ServerRequest).stream;
      if (this.bodyDone || this.gone || stream.destroyed || stream.state.remoteClose)
        this.requestDeadline = 0;
      else if (now >= this.requestDeadline) {
        // The client did not send its whole body in time (Node's requestTimeout, for HTTP/2 too).
        this.requestDeadline = 0;
        this.timeoutAt = 0;
        this.refuseBody(408, "Request not received within time limit.");
        return false;
      }
    }
    if (this.timeoutAt !== 0 && now >= this.timeoutAt) this.timeOut();
    return this.timeoutAt !== 0 || this.requestDeadline !== 0;
  }

  /** The HTTP timeout ran out: answer 503 if no response has started. */
  private timeOut(): void {
    this.timeoutAt = 0;
    if (this.state === NOT_STARTED || this.state === STARTED) {
      this.state = COMPLETE;
      this.bytesSent += writePlainResponse(this.res, 503, "Application failed to respond within time limit.");
    }
  }

  /** Server shutdown: a streaming response (server-sent events, long poll) is ended now. */
  goAway(): void {
    if (this.state === HEADERS_SENT || this.state === AWAITING_TRAILERS) {
      this.state = COMPLETE;
      this.res.end();
    }
  }

  terminate(): void {
    this.res.destroy();
  }

  protected onApplicationReturn(): void {
    if (this.state === COMPLETE || this.gone || this.cancelled) return;
    if (this.state === AWAITING_TRAILERS) {
      this.host.logger.error(
        { event: "application.no_response" },
        `Application returned without sending the trailers it announced (${logText(this.rawPath())}).`,
      );
      this.state = COMPLETE;
      this.res.end();
      return;
    }
    if (this.state === HEADERS_SENT) {
      this.host.logger.error(
        { event: "application.no_response" },
        `Application returned with the response body still open (${logText(this.rawPath())}).`,
      );
      abortResponse(this.res);
      return;
    }
    this.host.logger.error(
      { event: "application.no_response" },
      `Application returned without sending a response (${logText(this.rawPath())}).`,
    );
    this.state = COMPLETE;
    this.bytesSent += writePlainResponse(this.res, 500, "Internal Server Error");
  }

  protected onApplicationError(error: unknown): void {
    if (this.fallthrough !== null && !this.touched && error instanceof RouteNotFound) {
      this.res.off("close", this.onResponseClose);
      // attach() serves node:http and node:https servers only: the request is HTTP/1.x here.
      this.fallthrough(this.req as IncomingMessage, this.res as ServerResponse);
      return;
    }
    if (error instanceof RouteNotFound && (this.state === NOT_STARTED || this.state === STARTED)) {
      // No route matched: the client's mistake, not the application's. 404, and only the access log.
      this.state = COMPLETE;
      if (!this.gone) this.bytesSent += writePlainResponse(this.res, 404, "Not Found");
      return;
    }
    if (isLayerUnavailable(error)) {
      // A channel layer is down: the server's outage, not a bug. 503, and one warning per outage.
      this.host.layerOutage.report(error, `${this.scope.method} ${logText(this.rawPath())}`);
      if (this.state === NOT_STARTED || this.state === STARTED) {
        this.state = COMPLETE;
        if (!this.gone)
          this.bytesSent += writePlainResponse(
            this.res,
            503,
            "Service Unavailable: try again shortly.",
            LAYER_UNAVAILABLE_HEADERS,
          );
        return;
      }
    } else {
      this.host.logger.error(
        { event: "application.error", err: error },
        `Exception inside application (${this.scope.method} ${logText(this.rawPath())}):`,
      );
    }
    if (this.state === COMPLETE || this.gone) return;
    if (this.state === HEADERS_SENT || this.state === AWAITING_TRAILERS) {
      abortResponse(this.res);
      return;
    }
    this.state = COMPLETE;
    this.bytesSent += writePlainResponse(this.res, 500, "Internal Server Error");
  }
}
