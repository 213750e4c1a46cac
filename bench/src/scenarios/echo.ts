// Echo: C clients, each alone in its room, send and await their echo.
import type { EchoResult } from "../clients/jobs";
import { runLoad } from "../proc/load";
import type { Row, Scenario } from "../report/table";
import { SERVERS, type ServerId } from "../servers/catalog";
import { type Context, errorText, explain, withServer } from "./context";

export async function echoScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const { clients, warmupMs, durationMs, rounds } = ctx.config.echo;
  const best = new Map<ServerId, EchoResult>();
  /** Server CPU per echoed message, in µs: the lowest round (contention only ever adds to it). */
  const cpu = new Map<ServerId, number>();
  const errors = new Map<ServerId, string>();
  // Rounds go through every server in turn, so a slow spell on a shared machine hits one round
  // of each server rather than all rounds of one.
  for (let round = 1; round <= rounds; round++) {
    for (const id of ctx.servers) {
      const spec = SERVERS[id];
      ctx.log(`echo${rounds > 1 ? ` (round ${round} of ${rounds})` : ""}: ${spec.label}`);
      try {
        const result = await withServer(ctx, id, async (server) => {
          const cpuBefore = server.child.cpuSeconds();
          const echoed = await runLoad<EchoResult>(
            { kind: "echo", bases: [server.url], protocol: spec.protocol, clients, warmupMs, durationMs },
            `echo ${id}`,
            ctx.config.childTimeoutMs,
          ).catch((error: unknown) => {
            throw new Error(explain(server, error));
          });
          // Messages over warm-up and measurement alike, as the CPU time covers both.
          const messages = (echoed.messagesPerSecond * (warmupMs + durationMs)) / 1000;
          const perMessage = ((server.child.cpuSeconds() - cpuBefore) * 1e6) / messages;
          if (messages > 0 && !(perMessage >= (cpu.get(id) ?? Number.POSITIVE_INFINITY)))
            cpu.set(id, perMessage);
          return echoed;
        });
        const previous = best.get(id);
        if (!previous || result.messagesPerSecond > previous.messagesPerSecond) best.set(id, result);
      } catch (error) {
        // Reported only if no round of this server succeeds.
        errors.set(id, errorText(error));
      }
    }
  }
  const rows: Row[] = ctx.servers.map((id) => {
    const spec = SERVERS[id];
    const result = best.get(id);
    const row: Row = { id, label: spec.label, djangoPeer: spec.djangoPeer, values: {} };
    const error = errors.get(id);
    if (!result && error) row.error = error;
    else if (result) {
      row.values = {
        rate: result.messagesPerSecond,
        p50: result.p50Ms,
        p99: result.p99Ms,
        lost: result.lost,
        cpu: cpu.get(id) ?? null,
      };
    }
    return row;
  });
  return {
    id: "echo",
    title: "Echo",
    description: `${clients} clients, each alone in its room, send a message and wait for it to come back, in a loop; ${warmupMs} ms warm-up, then ${durationMs} ms measured.${rounds > 1 ? ` Each server ran ${rounds} times, interleaved with the others; the table shows its best round.` : ""}`,
    durationMs: Date.now() - started,
    tables: [
      {
        id: "echo",
        title: "Echo",
        columns: [
          { key: "rate", label: "messages/s", format: "rate", ratio: "higher" },
          { key: "p50", label: "p50 latency", format: "ms", ratio: "lower" },
          { key: "p99", label: "p99 latency", format: "ms", ratio: "lower" },
          { key: "lost", label: "lost", format: "int" },
          { key: "cpu", label: "server CPU per message", format: "us", ratio: "lower" },
        ],
        rows,
      },
    ],
  };
}
