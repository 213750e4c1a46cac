export { ApplicationCommunicator, type InputMessage } from "./application-communicator";
export { HttpCommunicator, type HttpResponse } from "./http-communicator";
export { LiveServer, type LiveServerOptions } from "./live-server";
export { TimeoutError } from "./timeout-error";
export {
  type ConnectResult,
  WebsocketCommunicator,
  type WebsocketCommunicatorOptions,
} from "./websocket-communicator";
