/**
 * `@channels-ts/core/server`: the production server (Daphne's role) and the worker.
 */
export { type AttachedServer, attach } from "./attach";
export { BODY_LIMIT_EXTENSION, type BodyLimit, setRequestBodyLimit } from "./http/body-limit";
export { LifespanStartupFailed } from "./lifespan";
export { defaultLogger, type LogFields, type Logger, silentLogger } from "./logger";
export { type AttachOptions, DEFAULTS, type ProtocolOptions, type ServeOptions } from "./options";
export type { ServerStats } from "./protocol-server";
export { type RunningServer, serve } from "./serve";
export type { Http2Mode, TlsOptions } from "./tls-options";
export { Worker, type WorkerOptions } from "./worker";
