export { AsyncConsumer, type ConsumerApplication } from "./async-consumer";
export { AsyncHttpConsumer, type HeadersInit } from "./http-consumer";
export { AsyncJsonWebsocketConsumer } from "./json-websocket-consumer";
export { AsyncWebsocketConsumer, type WebsocketSendOptions } from "./websocket-consumer";
