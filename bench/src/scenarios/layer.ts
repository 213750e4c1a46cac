// Layer throughput: each channel layer alone (no server, no sockets), in its own process on the
// server CPU: channels-ts's in-memory and Redis layers beside Django's in-memory layer and
// channels_redis, driven by the same loops.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, Child, nodeArgs } from "../proc/child";
import { SERVER_CPU } from "../proc/load";
import type { Row, Scenario } from "../report/table";
import { type Context, errorText } from "./context";

interface LayerRun {
  id: string;
  label: string;
  djangoPeer: string;
  command: () => [string, string[]];
}

export async function layerScenario(ctx: Context): Promise<Scenario> {
  const started = Date.now();
  const sizes = JSON.stringify(ctx.config.layer);
  const node = (kind: string) => () => {
    const [cmd, flags] = nodeArgs("src/layers/throughput.ts", ctx.nodeFlags);
    return [cmd, [...flags, kind, sizes, ctx.redisUrl]] as [string, string[]];
  };
  const python = (kind: string) => () =>
    ["/usr/bin/python3", [join(BENCH_DIR, "django", "layer_bench.py"), kind, sizes, ctx.redisUrl]] as [
      string,
      string[],
    ];
  const runs: LayerRun[] = [
    {
      id: "memory",
      label: "channels-ts InMemoryChannelLayer",
      djangoPeer: "django-memory",
      command: node("memory"),
    },
    {
      id: "django-memory",
      label: "Django InMemoryChannelLayer",
      djangoPeer: "django-memory",
      command: python("memory"),
    },
    {
      id: "redis",
      label: "channels-ts RedisChannelLayer",
      djangoPeer: "django-redis",
      command: node("redis"),
    },
    {
      id: "django-redis",
      label: "channels_redis RedisChannelLayer",
      djangoPeer: "django-redis",
      command: python("redis"),
    },
  ];
  // The RabbitMQ layer's owner may add its own runner; its figures join the table when it is there.
  if (existsSync(join(BENCH_DIR, "src", "layers", "rabbitmq.ts"))) {
    runs.push({
      id: "rabbitmq",
      label: "channels-ts RabbitMQChannelLayer",
      djangoPeer: "django-redis",
      command: node("rabbitmq"),
    });
  }
  const rows: Row[] = [];
  for (const run of runs) {
    ctx.log(`layer: ${run.label}`);
    const row: Row = { id: run.id, label: run.label, djangoPeer: run.djangoPeer, values: {} };
    await ctx.flushRedis();
    const [cmd, args] = run.command();
    const child = new Child(cmd, args, { label: run.label, cpu: SERVER_CPU });
    try {
      const match = await child.waitFor(/RESULT (\{.*\})/, ctx.config.childTimeoutMs);
      const result = JSON.parse(match[1]!) as {
        sendReceivePerSecond: number;
        groupDeliveriesPerSecond: number;
      };
      row.values = { sendReceive: result.sendReceivePerSecond, groupSend: result.groupDeliveriesPerSecond };
    } catch (error) {
      row.error = errorText(error);
    } finally {
      await child.stop();
    }
    rows.push(row);
  }
  const l = ctx.config.layer;
  return {
    id: "layer",
    title: "Channel layers alone",
    description: `No server and no sockets: one process drives one layer. send/receive: ${l.channels} channels at once, each sending ${l.batch} messages (each \`send\` awaited) and then receiving them; groupSend: a group of ${l.groupSize} channels, ${l.groupBatch} awaited \`groupSend\`s, then every member receives them. ${l.maxMs} ms per loop after a short warm-up.`,
    durationMs: Date.now() - started,
    tables: [
      {
        id: "layer",
        title: "Layer throughput",
        note: "There is no raw ws here: ratios are to Django's layer of the same kind.",
        columns: [
          { key: "sendReceive", label: "send+receive messages/s", format: "rate", ratio: "higher" },
          { key: "groupSend", label: "groupSend deliveries/s", format: "rate", ratio: "higher" },
        ],
        rows,
        wsRow: "none",
      },
    ],
  };
}
