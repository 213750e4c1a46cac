// Idle connections: open them all (each alone in its room), tell the parent, which then measures
// the server's memory, and hold them until the parent says to close.
import type { IdleConnected, IdleJob } from "./jobs";
import { connectMany } from "./protocol";

export async function runIdle(job: IdleJob): Promise<void> {
  const start = performance.now();
  const { clients, failed, firstError } = await connectMany(
    job.bases,
    job.protocol,
    job.connections,
    job.concurrency,
    (i) => `idle_${i}`,
  );
  const connected: IdleConnected = {
    type: "connected",
    connected: clients.length,
    failed,
    firstError,
    connectMs: performance.now() - start,
  };
  process.send?.(connected);
  await new Promise<void>((resolve) => {
    process.on("message", (message: { cmd?: string }) => {
      if (message?.cmd === "close") resolve();
    });
  });
  for (const client of clients) client.terminate();
}
