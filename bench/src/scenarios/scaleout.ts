// Scale-out: two server processes on one Redis, the room's members split between them (even
// members on the first, odd on the second; the sender on the first), so every message crosses
// processes. A one-process raw ws run of the same fan-out is the ceiling row.
import type { FanoutResult } from "../clients/jobs";
import { runLoad, SERVER_CPU } from "../proc/load";
import type { Row, Scenario } from "../report/table";
import { type RunningServer, SERVERS, type ServerId, startServer } from "../servers/catalog";
import { type Context, errorText, withServer } from "./context";
import { describeFanout, FANOUT_COLUMNS, fanoutJob, fanoutValues } from "./fanout";

const TWO_PROCESS: ServerId[] = ["channels-redis", "socketio-redis", "django-redis"];

async function withTwo<T>(
  ctx: Context,
  id: ServerId,
  body: (a: RunningServer, b: RunningServer) => Promise<T>,
) {
  await ctx.flushRedis();
  const start = (instance: string) =>
    startServer(id, { redisUrl: ctx.redisUrl, cpu: SERVER_CPU, nodeFlags: ctx.nodeFlags, instance });
  const a = await start("1");
  try {
    const b = await start("2");
    try {
      return await body(a, b);
    } finally {
      await b.stop();
    }
  } finally {
    await a.stop();
  }
}

export async function scaleoutScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const members = ctx.config.scaleout.members;
  const rows: Row[] = [];
  const run = async (
    id: ServerId,
    label: string,
    djangoPeer: string,
    rowId: string,
    bases: () => Promise<FanoutResult>,
  ) => {
    ctx.log(`scale-out ${members}: ${label}`);
    const row: Row = { id: rowId, label, djangoPeer, values: {} };
    try {
      row.values = fanoutValues(await bases());
    } catch (error) {
      row.error = errorText(error);
    }
    rows.push(row);
    void id;
  };
  const timeout = ctx.config.childTimeoutMs;
  if (ctx.servers.includes("ws")) {
    await run("ws", "raw ws, one process", "django-redis-x2", "ws", () =>
      withServer(ctx, "ws", (s) => runLoad(fanoutJob(ctx, [s.url], "ws", members), "scale-out ws", timeout)),
    );
  }
  for (const id of TWO_PROCESS.filter((s) => ctx.servers.includes(s))) {
    await run(id, `${SERVERS[id].label}, two processes`, "django-redis-x2", `${id}-x2`, () =>
      withTwo(ctx, id, (a, b) =>
        runLoad(fanoutJob(ctx, [a.url, b.url], id, members), `scale-out ${id}`, timeout),
      ),
    );
  }
  return {
    id: "scaleout",
    title: "Scale-out over Redis",
    description: `Fan-out to ${members} members split between two server processes on one Redis; the sender is on the first. ${describeFanout(ctx, members)} Both processes share CPU 0 (the load generator and Redis have CPU 1): on two cores this measures the cost of crossing processes, not added capacity.`,
    durationMs: Date.now() - started,
    tables: [
      {
        id: "scaleout",
        title: `Fan-out to ${members}, two processes`,
        columns: FANOUT_COLUMNS,
        rows,
      },
    ],
  };
}
