// Echo: every client alone in its room sends a message and waits for it to come back, over and
// over; the figure is round trips per second over the measured window, and their latency.
import type { EchoJob, EchoResult } from "./jobs";
import { connectMany } from "./protocol";
import { Samples, sleep } from "./stats";

/** How long an echo may be outstanding after the window before it counts as lost. */
const GRACE_MS = 5_000;

export async function runEcho(job: EchoJob): Promise<EchoResult> {
  const { clients, failed, firstError } = await connectMany(
    job.bases,
    job.protocol,
    job.clients,
    50,
    (i) => `echo_${i}`,
  );
  if (failed > 0)
    throw new Error(`echo: ${failed} of ${job.clients} clients failed to connect: ${firstError}`);
  const samples = new Samples();
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  let messages = 0;
  let lost = 0;
  const pending = new Set<() => void>();

  const loop = async (client: (typeof clients)[number], index: number) => {
    let answer: (() => void) | null = null;
    client.onMessage = () => answer?.();
    for (let round = 0; performance.now() < end; round++) {
      const sentAt = performance.now();
      const ok = await new Promise<boolean>((resolve) => {
        const give = () => {
          pending.delete(give);
          resolve(false);
        };
        answer = () => {
          pending.delete(give);
          resolve(true);
        };
        pending.add(give);
        client.send(`${index}:${round}`);
      });
      if (!ok) {
        lost++;
        return;
      }
      if (sentAt >= measureFrom && sentAt < end) {
        messages++;
        samples.add(performance.now() - sentAt);
      }
    }
  };
  const loops = Promise.all(clients.map(loop));
  // Bounded: an echo still missing GRACE_MS after the window is given up.
  const watchdog = (async () => {
    while (performance.now() < end + GRACE_MS) await sleep(100);
    for (const give of [...pending]) give();
  })();
  await loops;
  for (const client of clients) client.terminate();
  void watchdog;
  return {
    clients: clients.length,
    messages,
    messagesPerSecond: messages / (job.durationMs / 1000),
    p50Ms: samples.percentile(50),
    p99Ms: samples.percentile(99),
    lost,
  };
}
