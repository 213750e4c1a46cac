// The logger the server writes to lives in ../logging (structured fields, pino's signature).
export { defaultLogger, type LogFields, type Logger, resolveLogger, silentLogger } from "../logging/logger";

/** `host:port` of a scope's client, for log lines. */
export function clientLabel(client: readonly [string, number] | null | undefined): string {
  return client ? `${client[0]}:${client[1]}` : "-";
}
