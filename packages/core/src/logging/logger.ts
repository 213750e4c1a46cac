/**
 * The fields of one log line, as an object: what happened (`event`), to whom (`client`, `path`),
 * and the error as `err`. pino and similar loggers serialise them; the default console logger
 * prints only the message.
 */
export interface LogFields {
  /** What happened, e.g. `"websocket.connect"`, `"http.response"`, `"application.error"`. */
  event?: string;
  /** The error, for warnings and errors (pino's `err` serialiser prints its stack). */
  err?: unknown;
  [field: string]: unknown;
}

/**
 * Where the server writes: one call per line, fields first and the human message second, which is
 * pino's signature (`pino()` fits as it is). `info` gets the access log (one line per HTTP request
 * and per WebSocket connect, reject and disconnect), `warn` and `error` get problems.
 */
export interface Logger {
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const noop = (): void => {};

/** Drops everything (`logger: null`). */
export const silentLogger: Logger = { info: noop, warn: noop, error: noop };

function runningTests(): boolean {
  return process.env.NODE_ENV === "test" || process.env.VITEST !== undefined;
}

/**
 * The console log: the message alone (access lines as Daphne writes them), and for problems the
 * error after it. Access lines are left out while tests run, problems are not.
 */
export function defaultLogger(): Logger {
  return {
    info: runningTests() ? noop : (_fields, message) => console.info(message),
    warn: (fields, message) =>
      fields.err === undefined ? console.warn(message) : console.warn(message, fields.err),
    error: (fields, message) =>
      fields.err === undefined ? console.error(message) : console.error(message, fields.err),
  };
}

/** The logger for a `logger` option: `null` silences, `undefined` is the console. */
export function resolveLogger(logger: Logger | null | undefined): Logger {
  if (logger === null) return silentLogger;
  return logger ?? defaultLogger();
}
