// `pnpm bench` runs every scenario and writes docs/benchmarks.md (+ docs/images/bench-*.svg);
// `pnpm bench --smoke` runs each briefly and exits non-zero when a scenario breaks. Partial and
// smoke runs write under $TMPDIR/channels-ts-bench/ instead of docs/.
// Options: --only=echo,fanout  --servers=ws,channels-memory  --profile (server CPU profiles in
// bench/profiles/, read them with src/profile-summary.ts)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "@channels-ts/test-support";
import { Redis } from "ioredis";
import { benchConfig } from "./config";
import { isSkipped, missingDaphne, missingTaskset } from "./peers";
import { ensureBuilt } from "./proc/build";
import { BENCH_DIR } from "./proc/child";
import { LOAD_CPU } from "./proc/load";
import { describeMachine } from "./report/machine";
import { type Chart, renderMarkdown } from "./report/markdown";
import { barChart } from "./report/svg";
import type { Scenario } from "./report/table";
import { checkTargets } from "./report/targets";
import type { Context } from "./scenarios/context";
import { echoScenario } from "./scenarios/echo";
import { fanoutScenario } from "./scenarios/fanout";
import { idleScenario } from "./scenarios/idle";
import { layerScenario } from "./scenarios/layer";
import { scaleoutScenario } from "./scenarios/scaleout";
import { ALL_SERVERS, type ServerId } from "./servers/catalog";

const SCENARIOS: Record<string, (ctx: Context) => Promise<Scenario>> = {
  echo: echoScenario,
  fanout: fanoutScenario,
  idle: idleScenario,
  layer: layerScenario,
  scaleout: scaleoutScenario,
};

/** The charts of docs/benchmarks.md: a column of a table (a function picks the largest fan-out). */
const CHARTS: Array<{
  scenario: string;
  table: (ids: string[]) => string | undefined;
  key: string;
  file: string;
  title: string;
}> = [
  { scenario: "echo", table: () => "echo", key: "rate", file: "bench-echo.svg", title: "Echo, messages/s" },
  {
    scenario: "echo",
    table: () => "echo",
    key: "p99",
    file: "bench-echo-p99.svg",
    title: "Echo, p99 latency",
  },
  {
    scenario: "fanout",
    table: (ids) => ids.filter((id) => id.startsWith("fanout-")).at(-1),
    key: "burstRate",
    file: "bench-fanout.svg",
    title: "Fan-out to the largest room, burst deliveries/s",
  },
  {
    scenario: "fanout",
    table: (ids) => ids.filter((id) => id.startsWith("fanout-")).at(-1),
    key: "steadyP99",
    file: "bench-fanout-p99.svg",
    title: "Fan-out to the largest room, steady p99",
  },
  {
    scenario: "idle",
    table: () => "idle",
    key: "rssPerConnection",
    file: "bench-idle-memory.svg",
    title: "Idle connections, RSS per connection",
  },
  {
    scenario: "idle",
    table: () => "idle",
    key: "connectRate",
    file: "bench-idle-connect.svg",
    title: "Idle connections, connects/s",
  },
  {
    scenario: "layer",
    table: () => "layer",
    key: "sendReceive",
    file: "bench-layer-send.svg",
    title: "Layers alone, send+receive messages/s",
  },
  {
    scenario: "layer",
    table: () => "layer",
    key: "groupSend",
    file: "bench-layer-group.svg",
    title: "Layers alone, groupSend deliveries/s",
  },
  {
    scenario: "scaleout",
    table: () => "scaleout",
    key: "burstRate",
    file: "bench-scaleout.svg",
    title: "Two processes over Redis, burst deliveries/s",
  },
];

function option(name: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<number> {
  const started = Date.now();
  const smoke = process.argv.includes("--smoke");
  const config = benchConfig(smoke);
  const only = option("only")?.split(",") ?? Object.keys(SCENARIOS);
  const servers = (option("servers")?.split(",") as ServerId[] | undefined) ?? ALL_SERVERS;
  for (const name of only)
    if (!SCENARIOS[name])
      throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  for (const id of servers)
    if (!ALL_SERVERS.includes(id)) throw new Error(`unknown server ${id}; known: ${ALL_SERVERS.join(", ")}`);
  const profileDir = join(BENCH_DIR, "profiles");
  const nodeFlags = process.argv.includes("--profile") ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];

  ensureBuilt((line) => console.log(line));
  // Described before pinning: `nproc` counts only the CPUs a process may use.
  const machine = describeMachine();
  // This process and what it starts (Redis) go to the load generator's CPU; servers get CPU 0.
  const log = (message: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
  const noTaskset = missingTaskset();
  if (noTaskset) log(`skipped CPU pinning: ${noTaskset}`);
  else if (availableParallelism() > LOAD_CPU)
    execFileSync("taskset", ["-p", "-c", String(LOAD_CPU), String(process.pid)], { stdio: "ignore" });
  const noDaphne = missingDaphne();
  if (noDaphne) log(`skipped the Django rows: ${noDaphne}`);
  const redis = await startRedisServer();
  const client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const ctx: Context = {
    config,
    redisUrl: redis.url,
    flushRedis: async () => {
      await client.flushall();
    },
    servers,
    nodeFlags,
    log,
  };

  const scenarios: Scenario[] = [];
  try {
    for (const name of only) {
      const scenario = await SCENARIOS[name]!(ctx);
      log(`${name} done in ${(scenario.durationMs / 1000).toFixed(1)} s`);
      scenarios.push(scenario);
    }
  } finally {
    client.disconnect();
    await redis.stop();
  }

  const totalMs = Date.now() - started;
  // Outside the tree, so a smoke run in CI or a partial run leaves nothing for lint to trip on.
  const resultsDir = join(tmpdir(), "channels-ts-bench", smoke ? "smoke" : "full");
  // A full run of every scenario writes the docs; smoke and partial runs stay under bench/results.
  const writesDocs = !smoke && only.length === Object.keys(SCENARIOS).length && !option("servers");
  const docsDir = writesDocs ? join(BENCH_DIR, "..", "docs") : resultsDir;
  const imageDir = join(docsDir, "images");
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(imageDir, { recursive: true });
  writeFileSync(
    join(resultsDir, "results.json"),
    `${JSON.stringify({ machine, config, scenarios, totalMs }, null, 2)}\n`,
  );

  const charts = new Map<string, Chart[]>();
  for (const spec of CHARTS) {
    const scenario = scenarios.find((s) => s.id === spec.scenario);
    const tableId = scenario && spec.table(scenario.tables.map((t) => t.id));
    const table = scenario?.tables.find((t) => t.id === tableId);
    const column = table?.columns.find((c) => c.key === spec.key);
    if (!scenario || !table || !column) continue;
    const title = spec.title.replace("the largest room", `${tableId?.replace("fanout-", "")} members`);
    writeFileSync(join(imageDir, spec.file), barChart(title, table, column));
    charts.set(scenario.id, [...(charts.get(scenario.id) ?? []), { file: spec.file, title }]);
  }
  const targets = checkTargets(scenarios);
  const markdown = renderMarkdown({
    machine,
    scenarios,
    targets,
    charts,
    imageDir: "images",
    totalMs,
    smoke,
  });
  const markdownPath = join(docsDir, "benchmarks.md");
  writeFileSync(markdownPath, markdown);

  for (const t of targets)
    log(`target ${t.met === null ? "n/a   " : t.met ? "met   " : "MISSED"} ${t.target}: ${t.figure}`);
  log(`wrote ${markdownPath}`);
  const broken = scenarios.flatMap((s) =>
    s.tables.flatMap((t) =>
      t.rows.filter((r) => r.error && !isSkipped(r.error)).map((r) => `${t.title} / ${r.label}: ${r.error}`),
    ),
  );
  const skipped = scenarios.flatMap((s) =>
    s.tables.flatMap((t) =>
      t.rows.filter((r) => r.error && isSkipped(r.error)).map((r) => `${t.title} / ${r.label}: ${r.error}`),
    ),
  );
  for (const row of skipped) log(`SKIPPED ${row}`);
  // A row with no traffic at all is as broken as one that threw.
  const silent = scenarios.flatMap((s) =>
    s.tables.flatMap((t) =>
      t.rows
        .filter(
          (r) =>
            !r.error &&
            ["rate", "burstRate", "steadyRate", "connected", "sendReceive", "groupSend"].some(
              (k) => r.values[k] === 0,
            ),
        )
        .map((r) => `${t.title} / ${r.label}: no traffic`),
    ),
  );
  for (const problem of [...broken, ...silent]) console.error(`BROKEN ${problem}`);
  log(`total ${(totalMs / 1000).toFixed(1)} s`);
  return broken.length + silent.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
