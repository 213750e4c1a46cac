// The servers under test, and how to start each in its own child process on 127.0.0.1 with a free
// port. Every one speaks the tutorial's chat protocol (Socket.IO through its own framing).
import { join } from "node:path";
import { BENCH_DIR, Child, nodeArgs } from "../proc/child";
import { freePort, waitForPort } from "../proc/ports";
import type { MemoryReply } from "./control";

export type ServerId =
  | "ws"
  | "channels-memory"
  | "channels-memory-metrics"
  | "channels-redis"
  | "socketio"
  | "socketio-redis"
  | "django-memory"
  | "django-redis";

/** Which layer a server's messages go through: the column a figure is compared with. */
export type LayerKind = "none" | "memory" | "redis";

export interface ServerSpec {
  id: ServerId;
  label: string;
  protocol: "chat" | "socketio";
  layer: LayerKind;
  /** The Django Channels server a figure of this one is compared with (same kind of layer). */
  djangoPeer: ServerId;
  /** Runs in the echo scenario only (a variant measured against its base there). */
  echoOnly?: boolean;
}

export const SERVERS: Record<ServerId, ServerSpec> = {
  ws: { id: "ws", label: "raw ws", protocol: "chat", layer: "none", djangoPeer: "django-memory" },
  "channels-memory": {
    id: "channels-memory",
    label: "channels-ts, in-memory",
    protocol: "chat",
    layer: "memory",
    djangoPeer: "django-memory",
  },
  "channels-memory-metrics": {
    id: "channels-memory-metrics",
    label: "channels-ts, in-memory, metrics on (prom-client)",
    protocol: "chat",
    layer: "memory",
    djangoPeer: "django-memory",
    echoOnly: true,
  },
  "channels-redis": {
    id: "channels-redis",
    label: "channels-ts, Redis",
    protocol: "chat",
    layer: "redis",
    djangoPeer: "django-redis",
  },
  socketio: {
    id: "socketio",
    label: "Socket.IO",
    protocol: "socketio",
    layer: "none",
    djangoPeer: "django-memory",
  },
  "socketio-redis": {
    id: "socketio-redis",
    label: "Socket.IO, Redis adapter",
    protocol: "socketio",
    layer: "redis",
    djangoPeer: "django-redis",
  },
  "django-memory": {
    id: "django-memory",
    label: "Django Channels (Daphne), in-memory",
    protocol: "chat",
    layer: "memory",
    djangoPeer: "django-memory",
  },
  "django-redis": {
    id: "django-redis",
    label: "Django Channels (Daphne), channels_redis",
    protocol: "chat",
    layer: "redis",
    djangoPeer: "django-redis",
  },
};

export const ALL_SERVERS = Object.keys(SERVERS) as ServerId[];

/** A started server process: its base URL, and its memory as the OS (and Node, if Node) sees it. */
export interface RunningServer {
  spec: ServerSpec;
  child: Child;
  url: string;
  /** Heap after a full GC, for Node servers; `undefined` for Daphne. */
  nodeMemory(): Promise<MemoryReply | undefined>;
  stop(): Promise<void>;
}

export interface StartOptions {
  redisUrl: string;
  /** CPU the server is pinned to. */
  cpu: number;
  /** Extra Node flags, e.g. `--cpu-prof` when profiling a miss. */
  nodeFlags?: string[];
  /** A free port, for Daphne (which, quiet, cannot tell which port it took). */
  port?: number;
  /** Distinguishes the processes of a two-process run in error messages. */
  instance?: string;
}

const READY_NODE = /READY port=(\d+)/;

function command(
  spec: ServerSpec,
  options: StartOptions,
): { cmd: string; args: string[]; env?: Record<string, string> } {
  const node = (entry: string, ...args: string[]) => {
    const [cmd, nodeFlags] = nodeArgs(entry, options.nodeFlags);
    return { cmd, args: [...nodeFlags, ...args] };
  };
  switch (spec.id) {
    case "ws":
      return node("src/servers/raw-ws.ts");
    case "channels-memory":
      return node("src/servers/channels-ts.ts", "memory");
    case "channels-memory-metrics":
      return node("src/servers/channels-ts.ts", "memory", "-", "metrics");
    case "channels-redis":
      return node("src/servers/channels-ts.ts", "redis", options.redisUrl);
    case "socketio":
      return node("src/servers/socketio.ts");
    case "socketio-redis":
      return node("src/servers/socketio.ts", "redis", options.redisUrl);
    case "django-memory":
    case "django-redis":
      return {
        cmd: "/usr/bin/python3",
        // -v 0: no access log line per connection (the Node servers log nothing either).
        args: [
          "-m",
          "daphne",
          "-v",
          "0",
          "-b",
          "127.0.0.1",
          "-p",
          String(options.port),
          "benchsite.asgi:application",
        ],
        env: {
          BENCH_LAYER: spec.layer,
          BENCH_REDIS_URL: options.redisUrl,
          PYTHONPATH: join(BENCH_DIR, "django"),
          DJANGO_SETTINGS_MODULE: "benchsite.settings",
        },
      };
  }
}

export async function startServer(id: ServerId, options: StartOptions): Promise<RunningServer> {
  const spec = SERVERS[id];
  const isDjango = spec.id.startsWith("django");
  if (isDjango) options = { ...options, port: await freePort() };
  const { cmd, args, env } = command(spec, options);
  const child = new Child(cmd, args, {
    label: `${spec.label}${options.instance ? ` #${options.instance}` : ""}`,
    cpu: options.cpu,
    env,
    cwd: isDjango ? join(BENCH_DIR, "django") : BENCH_DIR,
  });
  try {
    const port = isDjango
      ? await waitForPort(child, options.port!, 30_000)
      : (await child.waitFor(READY_NODE, 30_000))[1];
    return {
      spec,
      child,
      url: `ws://127.0.0.1:${port}`,
      async nodeMemory() {
        if (isDjango) return undefined;
        child.send({ cmd: "memory" });
        return child.nextMessage(
          (message): message is MemoryReply => (message as MemoryReply | undefined)?.type === "memory",
          10_000,
        );
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
