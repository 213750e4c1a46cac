/**
 * The one protocol type shared by the server (`AsyncEnvelopeConsumer<P>` in `@channels-ts/core`)
 * and the client (`connect<P>()`). Every field is optional; a missing one means `unknown`.
 *
 * ```ts
 * type ChatProtocol = {
 *   clientSends: { message: string };
 *   serverSends: { type: "chat"; name: string; message: string };
 *   clientRequests: { request: { rename: string }; reply: { name: string } };
 * };
 * ```
 */
export interface SocketProtocol {
  /** What the client's `send()` takes: the consumer's incoming messages. */
  clientSends?: unknown;
  /** What the server pushes: the client's `message` events. */
  serverSends?: unknown;
  /** The client's `request()`s and their replies, as a union of `{ request; reply }` pairs. */
  clientRequests?: RequestPair;
  /** The server's requests to the client and the client's replies, as `{ request; reply }` pairs. */
  serverRequests?: RequestPair;
}

/** One kind of request and the reply it gets. */
export interface RequestPair {
  /** What the requester sends. */
  request: unknown;
  /** What the answer to that request carries. */
  reply: unknown;
}

type Field<P, K extends keyof SocketProtocol, D> = K extends keyof P ? Exclude<P[K], undefined> : D;

/** What the client sends with `send()`. */
export type ClientSends<P extends SocketProtocol> = Field<P, "clientSends", unknown>;
/** What the server pushes to the client. */
export type ServerSends<P extends SocketProtocol> = Field<P, "serverSends", unknown>;
/** What the client's `request()` takes. */
export type ClientRequest<P extends SocketProtocol> = Field<P, "clientRequests", RequestPair>["request"];
/** What the server's requests to the client carry. */
export type ServerRequest<P extends SocketProtocol> = Field<P, "serverRequests", RequestPair>["request"];

type ReplyIn<Pairs, R> = Pairs extends { request: infer Q; reply: infer A }
  ? R extends Q
    ? A
    : never
  : never;

/** The reply to the client's request `R`: the `reply` of every pair whose `request` `R` matches. */
export type ClientReply<P extends SocketProtocol, R = ClientRequest<P>> = ReplyIn<
  Field<P, "clientRequests", RequestPair>,
  R
>;
/** The client's reply to the server's request `R`. */
export type ServerReply<P extends SocketProtocol, R = ServerRequest<P>> = ReplyIn<
  Field<P, "serverRequests", RequestPair>,
  R
>;
