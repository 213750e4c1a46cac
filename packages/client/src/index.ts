export { backoffDelay, type ReconnectOptions } from "./backoff";
export {
  ChannelSocket,
  type CloseInfo,
  type ConnectionState,
  type ConnectOptions,
  connect,
  type HeartbeatOptions,
  type QueueOptions,
  RequestError,
  resolveSocketUrl,
  type SocketEvents,
  type WebSocketClass,
  type WebSocketLike,
} from "./connect";
export { ENVELOPE_KEY, ENVELOPE_VERSION } from "./envelope";
export type {
  ClientReply,
  ClientRequest,
  ClientSends,
  RequestPair,
  ServerReply,
  ServerRequest,
  ServerSends,
  SocketProtocol,
} from "./protocol";
