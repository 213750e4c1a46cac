export { AsyncConsumer, type ConsumerApplication, type ConsumerMessage } from "./async-consumer";
export { getHandlerName } from "./handler-name";
export { AsyncHttpConsumer, type HeadersInit } from "./http-consumer";
export { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";
export { AsyncWebsocketConsumer, type WebsocketSendOptions } from "./websocket-consumer";
