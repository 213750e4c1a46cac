/**
 * Where the server writes. `info` gets one access line per HTTP request and per WebSocket
 * connect / reject / disconnect; `warn` and `error` get problems, with the error as second
 * argument. `console` fits, and so do pino or winston loggers.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

const noop = (): void => {};

/** Drops everything (`logger: null`). */
export const silentLogger: Logger = { info: noop, warn: noop, error: noop };

function runningTests(): boolean {
  return process.env.NODE_ENV === "test" || process.env.VITEST !== undefined;
}

/** Console access log; access lines are left out while tests run, problems are not. */
export function defaultLogger(): Logger {
  return {
    info: runningTests() ? noop : (message) => console.info(message),
    warn: (message, error) => (error === undefined ? console.warn(message) : console.warn(message, error)),
    error: (message, error) => (error === undefined ? console.error(message) : console.error(message, error)),
  };
}

export function resolveLogger(logger: Logger | null | undefined): Logger {
  if (logger === null) return silentLogger;
  return logger ?? defaultLogger();
}

/** `host:port` of a scope's client, for log lines. */
export function clientLabel(client: readonly [string, number] | null | undefined): string {
  return client ? `${client[0]}:${client[1]}` : "-";
}
