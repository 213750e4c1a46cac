// What one idle connection costs on a server's heap: snapshots before and after N connections,
// compared by constructor. `tsx src/heap-diff.ts <server id> [connections]`; snapshots go to profiles/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IdleConnected } from "./clients/jobs";
import { ensureBuilt } from "./proc/build";
import { BENCH_DIR } from "./proc/child";
import { startLoad } from "./proc/load";
import { SERVERS, type ServerId, startServer } from "./servers/catalog";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function byConstructor(path: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name =
      type === "object" || type === "closure" ? snap.strings[snap.nodes[i + nameAt]!]! : `(${type})`;
    const key = `${type === "closure" ? "closure " : ""}${name}`.slice(0, 80);
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + sizeAt]!;
    out.set(key, entry);
  }
  return out;
}

ensureBuilt((line) => console.log(line));
const id = (process.argv[2] ?? "channels-memory") as ServerId;
const connections = Number(process.argv[3] ?? 2_000);
const dir = join(BENCH_DIR, "profiles");
mkdirSync(dir, { recursive: true });
const server = await startServer(id, {
  redisUrl: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  cpu: 0,
});
const snapshot = async (name: string) => {
  server.child.send({ cmd: "heapsnapshot", path: join(dir, `${id}-${name}.heapsnapshot`) });
  const reply = await server.child.nextMessage(
    (m): m is { type: string; path: string } => (m as { type?: string }).type === "heapsnapshot",
    60_000,
  );
  return reply.path;
};
try {
  const before = await snapshot("before");
  const load = startLoad(
    { kind: "idle", bases: [server.url], protocol: SERVERS[id].protocol, connections, concurrency: 50 },
    "heap",
  );
  await load.nextMessage((m): m is IdleConnected => (m as IdleConnected).type === "connected", 60_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await snapshot("after");
  load.send({ cmd: "close" });
  await load.stop();
  const a = byConstructor(before);
  const b = byConstructor(after);
  const rows = [...b].map(([key, v]) => {
    const old = a.get(key) ?? { count: 0, size: 0 };
    return { key, count: (v.count - old.count) / connections, bytes: (v.size - old.size) / connections };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  console.log(`${id}: ${total.toFixed(0)} heap bytes per connection (self sizes)`);
  for (const r of rows.slice(0, 40))
    console.log(`${r.bytes.toFixed(0).padStart(7)} B  ${r.count.toFixed(2).padStart(6)} objects  ${r.key}`);
} finally {
  await server.stop();
}
