import type { Protocol, ProtocolHost } from "../connection";
import { type HttpRequest, type HttpResponse, isHttp2 } from "../http-versions";
import { writePlainResponse } from "../responses";
import { requestPartsOrRefuse } from "../scope";
import { type Fallthrough, HttpInstance } from "./http-instance";

/** HTTP requests, over HTTP/1.x and HTTP/2 alike: one `HttpInstance` per request or stream. */
export class HttpProtocol implements Protocol {
  /** Requests under `httpTimeoutMs` whose response has not started, and HTTP/2 requests whose body is not complete. */
  private readonly timed = new Set<HttpInstance>();
  readonly deadlineMs: number;

  constructor(private readonly host: ProtocolHost) {
    this.deadlineMs = Math.min(
      host.options.httpTimeoutMs ?? Number.POSITIVE_INFINITY,
      host.options.requestTimeoutMs,
    );
  }

  /** One request; `fallthrough` is where `attach({ routeHttp })` sends those the application has no route for. */
  handleRequest(req: HttpRequest, res: HttpResponse, fallthrough: Fallthrough | null): void {
    const host = this.host;
    if (host.closing) {
      writePlainResponse(res, 503, "Server is shutting down.", isHttp2(req) ? {} : { connection: "close" });
      return;
    }
    const parts = requestPartsOrRefuse(req, host.options, (status, text) =>
      writePlainResponse(res, status, text),
    );
    if (parts === null) return;
    const instance = new HttpInstance(host, req, res, parts, fallthrough);
    if (instance.timed) this.timed.add(instance);
    host.connected(instance);
  }

  checkTimeouts(now: number): void {
    for (const request of this.timed) if (!request.sweep(now)) this.timed.delete(request);
  }

  terminate(): void {
    // HTTP connections end with their instances (`HttpInstance.terminate`), or with the listener.
  }

  close(): void {
    this.timed.clear();
  }
}
