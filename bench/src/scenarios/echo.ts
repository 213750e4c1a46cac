// Echo: C clients, each alone in its room, send and await their echo.
import type { EchoResult } from "../clients/jobs";
import { runLoad } from "../proc/load";
import { SERVERS } from "../servers/catalog";
import type { Row, Scenario } from "../report/table";
import { type Context, errorText, withServer } from "./context";

export async function echoScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const { clients, warmupMs, durationMs } = ctx.config.echo;
  const rows: Row[] = [];
  for (const id of ctx.servers) {
    const spec = SERVERS[id];
    ctx.log(`echo: ${spec.label}`);
    const row: Row = { id, label: spec.label, djangoPeer: spec.djangoPeer, values: {} };
    try {
      const result = await withServer(ctx, id, (server) =>
        runLoad<EchoResult>(
          { kind: "echo", bases: [server.url], protocol: spec.protocol, clients, warmupMs, durationMs },
          `echo ${id}`,
          ctx.config.childTimeoutMs,
        ),
      );
      row.values = {
        rate: result.messagesPerSecond,
        p50: result.p50Ms,
        p99: result.p99Ms,
        lost: result.lost,
      };
    } catch (error) {
      row.error = errorText(error);
    }
    rows.push(row);
  }
  return {
    id: "echo",
    title: "Echo",
    description: `${clients} clients, each alone in its room, send a message and wait for it to come back, in a loop; ${warmupMs} ms warm-up, then ${durationMs} ms measured.`,
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
        ],
        rows,
      },
    ],
  };
}
