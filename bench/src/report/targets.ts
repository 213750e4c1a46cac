// The targets, checked against the figures of the same run. Reported, never asserted.
import { ratio, type Scenario, type Table } from "./table";

export interface TargetCheck {
  target: string;
  figure: string;
  met: boolean | null;
}

function table(scenarios: Scenario[], id: string | ((id: string) => boolean)): Table | undefined {
  const match = typeof id === "string" ? (t: Table) => t.id === id : (t: Table) => id(t.id);
  const found = scenarios.flatMap((s) => s.tables).filter(match);
  // The largest fan-out is last.
  return found[found.length - 1];
}

function check(
  target: string,
  t: Table | undefined,
  rowId: string,
  key: string,
  refId: string,
  refName: string,
  bound: number,
  direction: "atLeast" | "atMost",
): TargetCheck {
  const row = t?.rows.find((r) => r.id === rowId);
  const r = t && row ? ratio(t, row, key, refId) : null;
  if (r === null) return { target, figure: "not measured", met: null };
  const met = direction === "atLeast" ? r >= bound : r <= bound;
  return { target, figure: `${r.toFixed(2)}× ${refName}`, met };
}

export function checkTargets(scenarios: Scenario[]): TargetCheck[] {
  const echo = table(scenarios, "echo");
  const fanout = table(scenarios, (id) => id.startsWith("fanout-"));
  const idle = table(scenarios, "idle");
  const size = fanout?.id.replace("fanout-", "") ?? "?";
  return [
    check("in-memory echo ≥ 0.9× raw ws", echo, "channels-memory", "rate", "ws", "raw ws", 0.9, "atLeast"),
    // Server CPU per message, not messages/s: on a shared machine throughput follows the
    // neighbours, the work per message does not.
    check(
      "metrics on (prom-client) cost ≤ 5% of in-memory echo (server CPU per message)",
      echo,
      "channels-memory-metrics",
      "cpu",
      "channels-memory",
      "metrics off",
      1.05,
      "atMost",
    ),
    check(
      `in-memory fan-out to ${size} (burst deliveries/s) ≥ 0.8× raw ws`,
      fanout,
      "channels-memory",
      "burstRate",
      "ws",
      "raw ws",
      0.8,
      "atLeast",
    ),
    check(
      `in-memory fan-out to ${size}, steady p99 ≤ 1.25× raw ws`,
      fanout,
      "channels-memory",
      "steadyP99",
      "ws",
      "raw ws",
      1.25,
      "atMost",
    ),
    check(
      `in-memory fan-out to ${size}, burst p99 ≤ 1.25× raw ws`,
      fanout,
      "channels-memory",
      "burstP99",
      "ws",
      "raw ws",
      1.25,
      "atMost",
    ),
    check(
      "in-memory RSS per idle connection ≤ 1.3× raw ws",
      idle,
      "channels-memory",
      "rssPerConnection",
      "ws",
      "raw ws",
      1.3,
      "atMost",
    ),
    check(
      "Redis echo ≥ Socket.IO with its Redis adapter",
      echo,
      "channels-redis",
      "rate",
      "socketio-redis",
      "Socket.IO+Redis",
      1,
      "atLeast",
    ),
    check(
      "Redis echo ≥ 20× Django Channels with channels_redis",
      echo,
      "channels-redis",
      "rate",
      "django-redis",
      "Django+channels_redis",
      20,
      "atLeast",
    ),
    check(
      `Redis fan-out to ${size} (burst deliveries/s) ≥ 0.8× Socket.IO with its Redis adapter`,
      fanout,
      "channels-redis",
      "burstRate",
      "socketio-redis",
      "Socket.IO+Redis",
      0.8,
      "atLeast",
    ),
  ];
}
