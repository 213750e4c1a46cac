import { ChannelsError } from "../exceptions";
import type { Headers, Receive, ReceiveEvent, Scope, Send } from "../protocol/types";
import { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";
import { markFrameworkClass } from "./reserved-names";
import type {
  ClientReply,
  ClientRequest,
  ClientSends,
  ServerReply,
  ServerRequest,
  ServerSends,
  SocketProtocol,
} from "./socket-protocol";
import type { WebsocketSendOptions } from "./websocket-consumer";

/** The field that marks an envelope frame (docs/protocol.md). */
export const ENVELOPE_KEY = "$ch";
/** The envelope version this consumer speaks, announced in its `hello`. */
export const ENVELOPE_VERSION = 1;

/**
 * Thrown by `receiveRequest` to refuse a request: the client's `request()` rejects with this
 * message, so write it for the user ("That name is taken."). Any other error reaches the client
 * only as "The server could not handle this request." and ends the consumer, as errors do.
 */
export class RequestRefused extends ChannelsError {}

/** Why the consumer's request to its client failed. */
export class ClientRequestError extends ChannelsError {
  constructor(
    message: string,
    /** `refused`: the client answered with an error (the message is the client's). */
    readonly reason: "refused" | "timeout" | "disconnected",
  ) {
    super(message);
  }
}

type EnvelopeFrame = { $ch: string; id?: unknown; data?: unknown; error?: unknown };

function isEnvelope(value: unknown): value is EnvelopeFrame {
  return typeof value === "object" && value !== null && !Array.isArray(value) && ENVELOPE_KEY in value;
}

/** A reply frame or a ping, which must not wait behind a busy handler. */
function readControlFrame(event: ReceiveEvent): EnvelopeFrame | null {
  if (event.type !== "websocket.receive" || typeof event.text !== "string") return null;
  // Most frames are the app's: look for the marker before paying for a parse.
  if (!event.text.includes(`"${ENVELOPE_KEY}"`)) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(event.text);
  } catch {
    return null; // receive() reports it
  }
  if (!isEnvelope(frame)) return null;
  return frame.$ch === "ping" || frame.$ch === "res" || frame.$ch === "err" ? frame : null;
}

/** How many client frames may wait while a handler runs, before the consumer stops reading ahead. */
const READ_AHEAD = 64;
const INTERNAL_ERROR = "The server could not handle this request.";

interface PendingClientRequest {
  resolve(value: unknown): void;
  reject(error: ClientRequestError): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A JSON consumer that speaks `@channels-ts/client`'s envelope (docs/protocol.md): it answers
 * heartbeats, takes requests (`receiveRequest`, whose result or `RequestRefused` goes back as the
 * reply) and can ask the client (`requestClient`). App frames stay the app's JSON: `receiveJson`
 * gets them and `sendJson` sends them as they are.
 *
 * `P` is the protocol type shared with `connect<P>()` on the page, so both sides check the same
 * shapes.
 */
export class AsyncEnvelopeConsumer<
  P extends SocketProtocol = SocketProtocol,
> extends AsyncJsonWebsocketConsumer<ClientSends<P>, ServerSends<P>> {
  /** How long `requestClient` waits for the client's answer, in ms, unless the call says otherwise. */
  static clientRequestTimeoutMs = 10_000;

  private clientRequests = new Map<number, PendingClientRequest>();
  private nextClientRequestId = 1;

  override async run(scope: Scope, receive: Receive, send: Send): Promise<void> {
    // Replies and pings are read as they arrive, even while a handler runs (and awaits a reply
    // from the client through requestClient): a bounded read-ahead serves them at once and keeps
    // every other event, in order, for the dispatch loop.
    const inbox: Array<{ event?: ReceiveEvent; error?: unknown }> = [];
    let wake: (() => void) | null = null;
    let reading = false;
    let ended = false;
    const readAhead = async () => {
      if (reading) return;
      reading = true;
      try {
        while (!ended && inbox.length < READ_AHEAD) {
          let event: ReceiveEvent;
          try {
            event = await receive();
          } catch (error) {
            ended = true;
            inbox.push({ error });
            break;
          }
          if (event.type === "websocket.disconnect") ended = true;
          const control = readControlFrame(event);
          // A pong that cannot be sent means the connection is going: its disconnect event follows.
          if (control) await this.handleControlFrame(control, send).catch(() => {});
          else inbox.push({ event });
          wake?.();
        }
      } finally {
        reading = false;
        wake?.();
      }
    };
    const next: Receive = async () => {
      void readAhead();
      while (inbox.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      const item = inbox.shift()!;
      void readAhead();
      if (item.error !== undefined) throw item.error;
      return item.event!;
    };
    try {
      await super.run(scope, next, send);
    } finally {
      ended = true;
      for (const id of [...this.clientRequests.keys()]) {
        this.settleClientRequest(
          id,
          new ClientRequestError("The connection closed before the reply.", "disconnected"),
        );
      }
    }
  }

  /** Accepts the connection and says `hello`: from then on the client knows it may send envelopes. */
  override async accept(subprotocol: string | null = null, headers?: Headers): Promise<void> {
    await super.accept(subprotocol, headers);
    await this.send(JSON.stringify({ [ENVELOPE_KEY]: "hello", v: ENVELOPE_VERSION }));
  }

  override async receive(textData?: string, bytesData?: Uint8Array): Promise<void> {
    if (!textData?.includes(`"${ENVELOPE_KEY}"`)) {
      await super.receive(textData, bytesData);
      return;
    }
    const codec = this.constructor as typeof AsyncJsonWebsocketConsumer;
    const frame = codec.decodeJson(textData);
    if (!isEnvelope(frame)) {
      await this.receiveJson(frame as ClientSends<P>);
      return;
    }
    switch (frame.$ch) {
      case "msg":
        await this.receiveJson(frame.data as ClientSends<P>);
        return;
      case "req":
        await this.answerRequest(frame.id, frame.data);
        return;
      default:
      // Kinds of later versions (and pings that came through receive() directly) are ignored.
    }
  }

  /**
   * Answers the client's `request()`: return the reply, or throw `RequestRefused` with a message
   * for the user. Refuses every request unless overridden.
   */
  async receiveRequest(_request: ClientRequest<P>): Promise<ClientReply<P>> {
    throw new RequestRefused(`${this.constructor.name} takes no requests: override receiveRequest().`);
  }

  /** Sends `content` as a text frame; an object that itself carries `"$ch"` travels wrapped, so it stays the app's. */
  override async sendJson(content: ServerSends<P>, options?: WebsocketSendOptions): Promise<void> {
    await super.sendJson(
      (isEnvelope(content) ? { [ENVELOPE_KEY]: "msg", data: content } : content) as ServerSends<P>,
      options,
    );
  }

  /**
   * Asks the client (its `onRequest` option) and resolves with its answer. Rejects with a
   * `ClientRequestError` on timeout, on disconnect, or when the client refuses. Safe to await in a
   * handler: the answer is read even while the handler waits.
   */
  requestClient<R extends ServerRequest<P>>(
    request: R,
    options: { timeoutMs?: number } = {},
  ): Promise<ServerReply<P, R>> {
    const id = this.nextClientRequestId++;
    const timeoutMs =
      options.timeoutMs ?? (this.constructor as typeof AsyncEnvelopeConsumer).clientRequestTimeoutMs;
    return new Promise<ServerReply<P, R>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.settleClientRequest(
            id,
            new ClientRequestError(`The client did not answer within ${timeoutMs} ms.`, "timeout"),
          ),
        timeoutMs,
      );
      this.clientRequests.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.send(JSON.stringify({ [ENVELOPE_KEY]: "req", id, data: request })).catch((error: unknown) => {
        this.settleClientRequest(
          id,
          new ClientRequestError(`The request could not be sent: ${String(error)}`, "disconnected"),
        );
      });
    });
  }

  private async answerRequest(id: unknown, request: unknown): Promise<void> {
    if (typeof id !== "number") {
      await this.send(
        JSON.stringify({ [ENVELOPE_KEY]: "err", id: null, error: 'A "req" frame needs a numeric "id".' }),
      );
      return;
    }
    let reply: unknown;
    try {
      reply = await this.receiveRequest(request as ClientRequest<P>);
    } catch (error) {
      const message = error instanceof RequestRefused ? error.message : INTERNAL_ERROR;
      await this.send(JSON.stringify({ [ENVELOPE_KEY]: "err", id, error: message }));
      // The client got a message it can show; the error itself goes where errors go (the server's log).
      if (!(error instanceof RequestRefused)) throw error;
      return;
    }
    await this.send(JSON.stringify({ [ENVELOPE_KEY]: "res", id, data: reply ?? null }));
  }

  private async handleControlFrame(frame: EnvelopeFrame, send: Send): Promise<void> {
    if (frame.$ch === "ping") {
      await send({ type: "websocket.send", text: JSON.stringify({ [ENVELOPE_KEY]: "pong" }) });
    } else if (typeof frame.id === "number") {
      this.settleClientRequest(
        frame.id,
        frame.$ch === "err" ? new ClientRequestError(String(frame.error), "refused") : null,
        frame.data,
      );
    }
  }

  private settleClientRequest(id: number, error: ClientRequestError | null, value?: unknown): void {
    const request = this.clientRequests.get(id);
    if (!request) return; // late or duplicate
    this.clientRequests.delete(id);
    clearTimeout(request.timer);
    if (error) request.reject(error);
    else request.resolve(value);
  }
}

markFrameworkClass(AsyncEnvelopeConsumer, ["clientRequests", "nextClientRequestId"]);
