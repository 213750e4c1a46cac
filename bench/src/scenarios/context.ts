// What every scenario gets from the runner.
import type { BenchConfig } from "../config";
import { isSkipped, missingDaphne, PeerMissing, skippedText } from "../peers";
import { SERVER_CPU } from "../proc/load";
import { type RunningServer, type ServerId, startServer } from "../servers/catalog";

export interface Context {
  config: BenchConfig;
  redisUrl: string;
  /** Empties Redis between servers, so one server's groups never reach the next. */
  flushRedis(): Promise<void>;
  servers: ServerId[];
  /** Extra Node flags for server children (`--cpu-prof` when profiling). */
  nodeFlags: string[];
  log(message: string): void;
}

/** Starts `id`, runs `body`, stops it; Redis is flushed before, so every server starts clean. */
export async function withServer<T>(
  ctx: Context,
  id: ServerId,
  body: (server: RunningServer) => Promise<T>,
  instance?: string,
): Promise<T> {
  const missing = id.startsWith("django") ? missingDaphne() : undefined;
  if (missing) throw new PeerMissing(missing);
  await ctx.flushRedis();
  const server = await startServer(id, {
    redisUrl: ctx.redisUrl,
    cpu: SERVER_CPU,
    nodeFlags: ctx.nodeFlags,
    instance,
  });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

export function errorText(error: unknown): string {
  if (error instanceof PeerMissing) return skippedText(error.message);
  if (error instanceof Error && isSkipped(error.message)) return error.message;
  const text = String((error as Error)?.message ?? error);
  return text.split("\n").slice(0, 6).join(" ").slice(0, 400);
}

/** The error, plus the server's last words when it died: a crash is the server's news, not the client's. */
export function explain(server: RunningServer, error: unknown): string {
  if (error instanceof PeerMissing) return skippedText(error.message);
  const child = server.child.process;
  if (child.exitCode === null && child.signalCode === null) return errorText(error);
  const tail = server.child.output().trim().split("\n").slice(-12).join(" ").slice(-600);
  return `${server.spec.label} exited (${child.exitCode ?? child.signalCode}): ${tail} (client: ${errorText(error).slice(0, 150)})`;
}
