// Fan-out: one room of N members, one sender, at a steady rate and in a burst. Also used by the
// scale-out scenario, with the members split between two server processes.
import type { FanoutJob, FanoutResult } from "../clients/jobs";
import { runLoad } from "../proc/load";
import type { Column, Row, Scenario, Table } from "../report/table";
import { SERVERS, type ServerId } from "../servers/catalog";
import { type Context, errorText, explain, withServer } from "./context";

export const FANOUT_COLUMNS: Column[] = [
  { key: "steadyRate", label: "steady deliveries/s", format: "rate", ratio: "higher" },
  { key: "steadyP50", label: "steady p50", format: "ms", ratio: "lower" },
  { key: "steadyP99", label: "steady p99", format: "ms", ratio: "lower" },
  { key: "steadyLost", label: "steady lost", format: "int" },
  { key: "burstRate", label: "burst deliveries/s", format: "rate", ratio: "higher" },
  { key: "burstP50", label: "burst p50", format: "ms", ratio: "lower" },
  { key: "burstP99", label: "burst p99", format: "ms", ratio: "lower" },
  { key: "burstLost", label: "burst lost", format: "int" },
  { key: "burstLostAtSender", label: "of which at the sender", format: "int" },
];

export function fanoutJob(ctx: Context, bases: string[], id: ServerId, members: number): FanoutJob {
  const f = ctx.config.fanout;
  return {
    kind: "fanout",
    bases,
    protocol: SERVERS[id].protocol,
    members,
    steadyMessagesPerSecond: f.steadyDeliveriesPerSecond / members,
    steadyMs: f.steadyMs,
    burstMessages: Math.max(1, Math.ceil(f.burstDeliveries / members)),
    quietMs: f.quietMs,
    capMs: f.capMs,
  };
}

export function fanoutValues(result: FanoutResult): Row["values"] {
  return {
    steadyRate: result.steady.deliveriesPerSecond,
    steadyP50: result.steady.p50Ms,
    steadyP99: result.steady.p99Ms,
    steadyLost: result.steady.lost,
    burstRate: result.burst.deliveriesPerSecond,
    burstP50: result.burst.p50Ms,
    burstP99: result.burst.p99Ms,
    burstLost: result.burst.lost,
    burstLostAtSender: result.burst.lostAtSender,
  };
}

export function describeFanout(ctx: Context, members: number): string {
  const f = ctx.config.fanout;
  const rate = f.steadyDeliveriesPerSecond / members;
  const burst = Math.max(1, Math.ceil(f.burstDeliveries / members));
  return `${members} members; steady: ${rate.toFixed(rate < 10 ? 1 : 0)} messages/s for ${f.steadyMs} ms (${f.steadyDeliveriesPerSecond.toLocaleString("en-US")} deliveries/s asked); burst: ${burst} messages back to back. A phase waits for every delivery, at most ${f.quietMs} ms of silence and ${f.capMs} ms in all; what is missing then is lost.`;
}

export async function fanoutScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const { sizes, rounds } = ctx.config.fanout;
  // Per size and server: the round with the best burst, or the last error if no round succeeded.
  const best = new Map<string, FanoutResult>();
  const errors = new Map<string, string>();
  const key = (members: number, id: ServerId) => `${members}/${id}`;
  for (let round = 1; round <= rounds; round++) {
    for (const id of ctx.servers.filter((id) => !SERVERS[id].echoOnly)) {
      const spec = SERVERS[id];
      try {
        // One server process for both sizes; the first room is gone before the second forms.
        await withServer(ctx, id, async (server) => {
          for (const members of sizes) {
            ctx.log(`fan-out ${members}${rounds > 1 ? ` (round ${round} of ${rounds})` : ""}: ${spec.label}`);
            try {
              const result = await runLoad<FanoutResult>(
                fanoutJob(ctx, [server.url], id, members),
                `fan-out ${members} ${id}`,
                ctx.config.childTimeoutMs,
              );
              const previous = best.get(key(members, id));
              if (!previous || result.burst.deliveriesPerSecond > previous.burst.deliveriesPerSecond) {
                best.set(key(members, id), result);
              }
            } catch (error) {
              errors.set(key(members, id), explain(server, error));
            }
          }
        });
      } catch (error) {
        for (const members of sizes) errors.set(key(members, id), errorText(error));
      }
    }
  }
  const tables: Table[] = sizes.map((members) => ({
    id: `fanout-${members}`,
    title: `Fan-out to ${members}`,
    note: describeFanout(ctx, members),
    columns: FANOUT_COLUMNS,
    rows: ctx.servers
      .filter((id) => !SERVERS[id].echoOnly)
      .map((id): Row => {
        const spec = SERVERS[id];
        const result = best.get(key(members, id));
        const row: Row = { id, label: spec.label, djangoPeer: spec.djangoPeer, values: {} };
        if (result) row.values = fanoutValues(result);
        else row.error = errors.get(key(members, id)) ?? "not run";
        return row;
      }),
  }));
  return {
    id: "fanout",
    title: "Fan-out",
    description: `One room, one sender (a member, so it gets its own message too, as in the tutorial); deliveries counted at every member. Deliveries/s is delivered frames over the time from the first send to the last delivery; latency is from send to delivery.${rounds > 1 ? ` Each server ran ${rounds} times, interleaved with the others; the tables show the round with its best burst.` : ""}`,
    durationMs: Date.now() - started,
    tables,
  };
}
