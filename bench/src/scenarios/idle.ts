// Idle connections: open many, measure the server process's memory before and after (RSS from
// /proc for every server; heap after a full GC for Node servers), and the connect rate.
import type { IdleConnected } from "../clients/jobs";
import { sleep } from "../clients/stats";
import { startLoad } from "../proc/load";
import type { Row, Scenario } from "../report/table";
import { SERVERS } from "../servers/catalog";
import { type Context, errorText, withServer } from "./context";

export async function idleScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const { connections, concurrency, settleMs } = ctx.config.idle;
  const rows: Row[] = [];
  for (const id of ctx.servers.filter((id) => !SERVERS[id].echoOnly)) {
    const spec = SERVERS[id];
    ctx.log(`idle ${connections}: ${spec.label}`);
    const row: Row = { id, label: spec.label, djangoPeer: spec.djangoPeer, values: {} };
    try {
      row.values = await withServer(ctx, id, async (server) => {
        await sleep(settleMs);
        const heapBefore = (await server.nodeMemory())?.heapUsed;
        const rssBefore = server.child.rssBytes();
        const load = startLoad(
          { kind: "idle", bases: [server.url], protocol: spec.protocol, connections, concurrency },
          `idle ${id}`,
        );
        try {
          const opened = await load.nextMessage<IdleConnected>(
            (m): m is IdleConnected => (m as IdleConnected | undefined)?.type === "connected",
            ctx.config.childTimeoutMs,
          );
          if (opened.connected === 0) throw new Error(`no connection opened: ${opened.firstError}`);
          await sleep(settleMs);
          const heapAfter = (await server.nodeMemory())?.heapUsed;
          const rssAfter = server.child.rssBytes();
          load.send({ cmd: "close" });
          return {
            connected: opened.connected,
            failed: opened.failed,
            connectRate: opened.connected / (opened.connectMs / 1000),
            rssPerConnection: (rssAfter - rssBefore) / opened.connected,
            heapPerConnection:
              heapBefore === undefined || heapAfter === undefined
                ? null
                : (heapAfter - heapBefore) / opened.connected,
            rssTotal: rssAfter,
          };
        } finally {
          await load.stop(5_000);
        }
      });
    } catch (error) {
      row.error = errorText(error);
    }
    rows.push(row);
  }
  return {
    id: "idle",
    title: "Idle connections",
    description: `${connections.toLocaleString("en-US")} connections, each alone in its room (joined to its group), opened ${concurrency} handshakes at a time and then left idle. Memory is the server process's growth from before the first connection to ${settleMs} ms after the last, divided by the connections; heap is measured after a full GC (Node servers only). RSS is the same measure for Node and Python.`,
    durationMs: Date.now() - started,
    tables: [
      {
        id: "idle",
        title: `${connections.toLocaleString("en-US")} idle connections`,
        columns: [
          { key: "rssPerConnection", label: "RSS per connection", format: "bytes", ratio: "lower" },
          { key: "heapPerConnection", label: "heap per connection", format: "bytes", ratio: "lower" },
          { key: "connectRate", label: "connects/s", format: "rate", ratio: "higher" },
          { key: "connected", label: "open", format: "int" },
          { key: "failed", label: "failed", format: "int" },
          { key: "rssTotal", label: "RSS at the end", format: "bytes" },
        ],
        rows,
      },
    ],
  };
}
