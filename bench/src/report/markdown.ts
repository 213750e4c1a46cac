// docs/benchmarks.md from a run: the machine, how it was measured, the targets, then a table per
// scenario (every figure with its ratio to raw ws and to Django Channels) and the charts.

import { isSkipped } from "../peers";
import { formatRatio, formatValue } from "./format";
import type { Machine } from "./machine";
import { type Row, ratio, type Scenario, type Table } from "./table";
import type { TargetCheck } from "./targets";

export interface Chart {
  file: string;
  title: string;
}

function cell(table: Table, row: Row, key: string): string {
  const column = table.columns.find((c) => c.key === key)!;
  const value = formatValue(row.values[key], column.format);
  if (!column.ratio || row.values[key] === null || row.values[key] === undefined) return value;
  const toWs = ratio(table, row, key, table.wsRow ?? "ws");
  const toDjango = ratio(table, row, key, row.djangoPeer);
  const parts = [
    toWs === null ? null : `${formatRatio(toWs)} ws`,
    toDjango === null ? null : `${formatRatio(toDjango)} Dj`,
  ];
  const shown = parts.filter(Boolean);
  return shown.length ? `${value} (${shown.join(", ")})` : value;
}

function renderTable(table: Table): string {
  const header = ["server", ...table.columns.map((c) => c.label)];
  const lines = [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ];
  for (const row of table.rows) {
    if (row.error) {
      lines.push(
        `| ${row.label} | ${isSkipped(row.error) ? "" : "failed: "}${row.error.replace(/\|/g, "/")} |${" |".repeat(table.columns.length - 1)}`,
      );
      continue;
    }
    lines.push(`| ${row.label} | ${table.columns.map((c) => cell(table, row, c.key)).join(" | ")} |`);
  }
  return lines.join("\n");
}

export function renderMarkdown(options: {
  machine: Machine;
  scenarios: Scenario[];
  targets: TargetCheck[];
  charts: Map<string, Chart[]>;
  imageDir: string;
  totalMs: number;
  smoke: boolean;
}): string {
  const { machine, scenarios, targets, charts } = options;
  const out: string[] = [];
  out.push("# Benchmarks");
  out.push("");
  out.push(
    `channels-ts beside raw \`ws\` (the ceiling), Socket.IO and the Django Channels tutorial app under Daphne, measured side by side in one run of \`pnpm bench\`${options.smoke ? " --smoke (tiny sizes: these figures mean nothing)" : ""}. Absolute figures drift on shared machines; the ratios within one run are the point.`,
  );
  out.push("");
  out.push(`Run on ${machine.date}, took ${(options.totalMs / 60_000).toFixed(1)} min.`);
  out.push("");
  out.push("| machine | |");
  out.push("|---|---|");
  out.push(`| CPUs (\`nproc\`) | ${machine.nproc} |`);
  out.push(`| CPU model | ${machine.cpuModel} |`);
  out.push(`| memory | ${machine.memory} |`);
  out.push(`| kernel | ${machine.kernel} |`);
  out.push(`| Node.js | ${machine.node} |`);
  out.push(`| Python | ${machine.python} |`);
  out.push(`| channels-ts code | ${machine.code} |`);
  out.push(
    `| versions | ${Object.entries(machine.versions)
      .map(([name, v]) => `${name} ${v}`)
      .join(", ")} |`,
  );
  out.push("");
  out.push("## How it is measured");
  out.push("");
  out.push(
    [
      "- Every server runs in its own child process on 127.0.0.1 with a free port, pinned to CPU 0. The load generator is another child process pinned to CPU 1 (with Redis), so the server's process measures alone. A fresh server process is started for every scenario.",
      "- channels-ts runs as users deploy it: the built packages (`dist/`, built first when a source changed), not the TypeScript sources through tsx (whose keepNames transform costs a property store per closure).",
      '- All servers speak the Channels tutorial\'s protocol: a client of `/ws/chat/<room>/` sends `{"message": …}` and the room gets `{"message": …}`. channels-ts and Django run the tutorial\'s `ChatConsumer` (`bench/src/servers/channels-ts.ts`, `bench/django/chat/consumers.py`), no middleware; raw ws keeps rooms in Sets; Socket.IO joins the room named in its handshake and re-emits `message` events to it. The load generator speaks Engine.IO/Socket.IO framing itself over `ws`, so every server gets the same client.',
      "- Django Channels 4 runs under Daphne (one process), with `channels.layers.InMemoryChannelLayer` or `channels_redis.core.RedisChannelLayer`. Every layer runs with its defaults (capacity 100 per channel, so Django's and channels-ts's layers may drop group messages to a full channel: that shows as lost).",
      "- Each figure is followed by its ratio to raw ws (`ws`) and to Django Channels on the same kind of layer (`Dj`: in-memory for in-memory and layer-less servers, channels_redis for Redis ones). For latency and memory, lower is better, so a ratio below 1 is good there.",
      "- Every loop is bounded in count and in time; the sizes are in `bench/src/config.ts`.",
    ].join("\n"),
  );
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push("| target | figure | |");
  out.push("|---|---|---|");
  for (const t of targets)
    out.push(
      `| ${t.target} | ${t.figure} | ${t.met === null ? "not measured" : t.met ? "met" : "**missed**"} |`,
    );
  out.push("");
  for (const scenario of scenarios) {
    out.push(`## ${scenario.title}`);
    out.push("");
    out.push(scenario.description);
    out.push("");
    for (const table of scenario.tables) {
      if (scenario.tables.length > 1 || table.title !== scenario.title) {
        out.push(`### ${table.title}`);
        out.push("");
      }
      if (table.note) {
        out.push(table.note);
        out.push("");
      }
      out.push(renderTable(table));
      out.push("");
    }
    for (const chart of charts.get(scenario.id) ?? []) {
      out.push(`![${chart.title}](${options.imageDir}/${chart.file})`);
      out.push("");
    }
  }
  return out.join("\n");
}
