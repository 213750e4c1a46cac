// Sizes of every scenario, for the full run and for `--smoke` (each scenario briefly, so CI keeps
// the harness alive). Every loop in the harness is bounded by these counts and by these times.
import type { LayerSizes } from "./layers/throughput";

export interface BenchConfig {
  smoke: boolean;
  /** `rounds`: every server runs this many times, interleaved; the best round counts (others' load on a shared machine only ever slows a run down). */
  echo: { clients: number; warmupMs: number; durationMs: number; rounds: number };
  fanout: {
    sizes: number[];
    /** Like echo's: interleaved rounds, the best burst of each server counts. */
    rounds: number;
    /** Deliveries per second the steady sender aims at (rate = this / members). */
    steadyDeliveriesPerSecond: number;
    steadyMs: number;
    /** Deliveries per burst (messages = this / members), sent back to back. */
    burstDeliveries: number;
    /** A phase ends when every delivery arrived, nothing arrived for this long, or at the cap. */
    quietMs: number;
    capMs: number;
  };
  idle: { connections: number; concurrency: number; settleMs: number };
  layer: LayerSizes;
  scaleout: { members: number };
  /** Longest any single child may take before it is killed and the scenario fails. */
  childTimeoutMs: number;
}

export function benchConfig(smoke: boolean): BenchConfig {
  if (smoke) {
    return {
      smoke,
      echo: { clients: 10, warmupMs: 100, durationMs: 400, rounds: 1 },
      fanout: {
        sizes: [20, 50],
        rounds: 1,
        steadyDeliveriesPerSecond: 2_000,
        steadyMs: 300,
        burstDeliveries: 1_000,
        quietMs: 500,
        capMs: 3_000,
      },
      idle: { connections: 200, concurrency: 50, settleMs: 200 },
      layer: { channels: 4, batch: 10, groupSize: 10, groupBatch: 5, maxMs: 300, maxMessages: 2_000 },
      scaleout: { members: 50 },
      childTimeoutMs: 60_000,
    };
  }
  return {
    smoke,
    echo: { clients: 50, warmupMs: 1_000, durationMs: 3_000, rounds: 3 },
    fanout: {
      sizes: [100, 1_000],
      rounds: 2,
      steadyDeliveriesPerSecond: 20_000,
      steadyMs: 3_000,
      burstDeliveries: 50_000,
      quietMs: 2_000,
      capMs: 25_000,
    },
    idle: { connections: 10_000, concurrency: 100, settleMs: 1_000 },
    // A Redis layer's process-local channels share one Redis key and so one capacity (100): keep
    // channels × batch well under it.
    layer: { channels: 10, batch: 5, groupSize: 100, groupBatch: 10, maxMs: 4_000, maxMessages: 200_000 },
    scaleout: { members: 1_000 },
    childTimeoutMs: 300_000,
  };
}
