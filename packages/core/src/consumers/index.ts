export { AsyncConsumer, type ConsumerApplication } from "./async-consumer";
export {
  AsyncEnvelopeConsumer,
  ClientRequestError,
  ENVELOPE_KEY,
  ENVELOPE_VERSION,
  RequestRefused,
} from "./envelope-consumer";
export { AsyncHttpConsumer, type HeadersInit } from "./http-consumer";
export { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";
export type {
  ClientReply,
  ClientRequest,
  ClientSends,
  RequestPair,
  ServerReply,
  ServerRequest,
  ServerSends,
  SocketProtocol,
} from "./socket-protocol";
export { type HandlerNameOf, type LayerEventsOf, type TypedChannelLayer, typedLayer } from "./typed-events";
export { AsyncWebsocketConsumer, type WebsocketSendOptions } from "./websocket-consumer";
