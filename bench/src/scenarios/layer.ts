// Layer throughput: each channel layer alone (no server, no sockets), in its own process on the
// server CPU: channels-ts's in-memory, Redis and RabbitMQ layers beside Django's in-memory layer
// and channels_redis, driven by the same loops.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startRabbitMQ } from "@channels-ts/test-support";
import { missingDjangoChannels, PeerMissing } from "../peers";
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
  let amqpUrl = "";
  const node = (kind: string) => () => {
    const [cmd, flags] = nodeArgs("src/layers/throughput.ts", ctx.nodeFlags);
    return [cmd, [...flags, kind, sizes, kind === "rabbitmq" ? amqpUrl : ctx.redisUrl]] as [string, string[]];
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
  // Django has no RabbitMQ layer of its own (channels_rabbitmq is third-party): compared with channels_redis.
  runs.push({
    id: "rabbitmq",
    label: "channels-ts RabbitMQChannelLayer",
    djangoPeer: "django-redis",
    command: node("rabbitmq"),
  });
  const rows: Row[] = [];
  // A private broker, started only for its row (it takes seconds to boot).
  let broker: Awaited<ReturnType<typeof startRabbitMQ>> | undefined;
  for (const run of runs) {
    ctx.log(`layer: ${run.label}`);
    const row: Row = { id: run.id, label: run.label, djangoPeer: run.djangoPeer, values: {} };
    await ctx.flushRedis();
    let child: Child | undefined;
    try {
      const noPython = run.id.startsWith("django") ? missingDjangoChannels() : undefined;
      if (noPython) throw new PeerMissing(noPython);
      if (run.id === "rabbitmq") {
        if (!hasRabbitMQ())
          throw new Error("rabbitmq-server is not installed (Debian package rabbitmq-server)");
        broker = await startRabbitMQ();
        amqpUrl = broker.url;
      }
      const [cmd, args] = run.command();
      child = new Child(cmd, args, { label: run.label, cpu: SERVER_CPU });
      const match = await child.waitFor(/RESULT (\{.*\})/, ctx.config.childTimeoutMs);
      const result = JSON.parse(match[1]!) as {
        sendReceivePerSecond: number;
        groupDeliveriesPerSecond: number;
      };
      row.values = { sendReceive: result.sendReceivePerSecond, groupSend: result.groupDeliveriesPerSecond };
    } catch (error) {
      row.error = errorText(error);
    } finally {
      await child?.stop();
      await broker?.stop();
      broker = undefined;
    }
    rows.push(row);
  }
  const l = ctx.config.layer;
  return {
    id: "layer",
    title: "Channel layers alone",
    description: `No server and no sockets: one process drives one layer. send/receive: ${l.channels} plain channels at once (so messages cross the backend, as between processes), each sending ${l.batch} messages (each \`send\` awaited) and then receiving them; groupSend: a group of ${l.groupSize} process-local channels of the sending process (the Redis layer delivers those without storing them in Redis), ${l.groupBatch} awaited \`groupSend\`s, then every member receives them. ${l.maxMs} ms per loop after a short warm-up.`,
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

function hasRabbitMQ(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v rabbitmq-server || test -x /usr/sbin/rabbitmq-server"], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}
