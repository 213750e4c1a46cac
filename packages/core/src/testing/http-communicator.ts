import { ProtocolError } from "../exceptions";
import type { Application, Headers, HttpScope } from "../protocol/types";
import { ApplicationCommunicator } from "./application-communicator";
import { splitPath } from "./scope-path";

/** What `getResponse()` resolves to. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
  [key: string]: unknown;
}

const encoder = new TextEncoder();

/** Sends one HTTP request to an application and collects its response. */
export class HttpCommunicator extends ApplicationCommunicator {
  declare readonly scope: HttpScope;
  private readonly body: Uint8Array;
  private sentRequest = false;

  constructor(
    application: Application,
    method: string,
    path: string,
    body: Uint8Array | string = new Uint8Array(0),
    headers: Headers = [],
  ) {
    if (typeof path !== "string")
      throw new TypeError(`HttpCommunicator takes the path as a string; got ${typeof path}.`);
    if (typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError(`HttpCommunicator takes the body as a Uint8Array or a string; got ${typeof body}.`);
    }
    const { path: decoded, query_string } = splitPath(path);
    super(application, {
      type: "http",
      http_version: "1.1",
      method: method.toUpperCase(),
      path: decoded,
      query_string,
      headers,
    });
    this.body = typeof body === "string" ? encoder.encode(body) : body;
  }

  /** Sends the request (once) and resolves with the whole response. */
  async getResponse(timeoutMs = 1000): Promise<HttpResponse> {
    if (!this.sentRequest) {
      this.sentRequest = true;
      await this.sendInput({ type: "http.request", body: this.body });
    }
    const start = await this.receiveOutput(timeoutMs);
    if (start.type !== "http.response.start") {
      throw new ProtocolError(`Expected type 'http.response.start', but was '${start.type}'`);
    }
    const { type: _type, ...rest } = start;
    const chunks: Uint8Array[] = [];
    for (;;) {
      const part = await this.receiveOutput(timeoutMs);
      if (part.type !== "http.response.body") {
        throw new ProtocolError(`Expected type 'http.response.body', but was '${part.type}'`);
      }
      if (part.body !== undefined && !(part.body instanceof Uint8Array)) {
        throw new ProtocolError("http.response.body must carry a Uint8Array body");
      }
      if (part.body) chunks.push(part.body);
      if (!part.more_body) break;
    }
    return { ...rest, headers: start.headers ?? [], body: new Uint8Array(Buffer.concat(chunks)) };
  }
}
