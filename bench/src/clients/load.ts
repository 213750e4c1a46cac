// The load-generator child: runs one job (JSON in BENCH_JOB) against servers in other processes,
// so the servers' processes measure alone, and reports its result over IPC.
import { runEcho } from "./echo";
import { runFanout } from "./fanout";
import { runIdle } from "./idle";
import type { FailureMessage, Job, ResultMessage } from "./jobs";

const job = JSON.parse(process.env.BENCH_JOB ?? "null") as Job | null;

async function run(): Promise<unknown> {
  if (!job) throw new Error("BENCH_JOB is not set");
  switch (job.kind) {
    case "echo":
      return runEcho(job);
    case "fanout":
      return runFanout(job);
    case "idle":
      return runIdle(job);
  }
}

run().then(
  (result) => {
    const message: ResultMessage<unknown> = { type: "result", result: result ?? null };
    process.send?.(message, () => process.exit(0));
  },
  (error: unknown) => {
    const message: FailureMessage = { type: "failure", error: String((error as Error)?.stack ?? error) };
    process.send?.(message, () => process.exit(1));
  },
);
