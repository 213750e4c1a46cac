// Runs a load-generator child on its own CPU and returns its result.
import type { FailureMessage, Job, ResultMessage } from "../clients/jobs";
import { Child, nodeArgs } from "./child";

/** The CPU load generators (and Redis) use; servers get CPU 0. */
export const LOAD_CPU = 1;
export const SERVER_CPU = 0;

type Answer<T> = ResultMessage<T> | FailureMessage;

const isAnswer = <T>(message: unknown): message is Answer<T> => {
  const type = (message as { type?: string } | undefined)?.type;
  return type === "result" || type === "failure";
};

export function startLoad(job: Job, label: string): Child {
  const [cmd, args] = nodeArgs("src/clients/load.ts");
  return new Child(cmd, args, {
    label: `load generator (${label})`,
    cpu: LOAD_CPU,
    env: { BENCH_JOB: JSON.stringify(job) },
  });
}

/** The child's result, or an error with its output; the child is killed after `timeoutMs`. */
export async function awaitResult<T>(child: Child, timeoutMs: number): Promise<T> {
  try {
    const answer = await child.nextMessage<Answer<T>>(isAnswer, timeoutMs);
    if (answer.type === "failure") throw new Error(`${child.label} failed: ${answer.error}`);
    return answer.result;
  } finally {
    await child.stop(2_000);
  }
}

export async function runLoad<T>(job: Job, label: string, timeoutMs: number): Promise<T> {
  return awaitResult<T>(startLoad(job, label), timeoutMs);
}
