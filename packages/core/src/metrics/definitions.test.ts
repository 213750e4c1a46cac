import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { METRIC_DEFINITIONS, renderMetricsTable } from "./definitions";

const DOCS = fileURLToPath(new URL("../../../../docs/topics/metrics.md", import.meta.url));
const START =
  "<!-- metrics-table:start (generated from METRIC_DEFINITIONS; UPDATE_DOCS=1 pnpm exec vitest run packages/core/src/metrics rewrites it) -->";
const END = "<!-- metrics-table:end -->";

describe("METRIC_DEFINITIONS", () => {
  it("follows Prometheus naming: channels_ prefix, _total on counters only, base units", () => {
    for (const d of METRIC_DEFINITIONS) {
      expect(d.name).toMatch(/^channels_[a-z0-9_]+$/);
      expect(d.name.endsWith("_total"), d.name).toBe(d.type === "counter");
      expect(d.name, "base units: seconds and bytes, never ms or kb").not.toMatch(
        /_(ms|milliseconds|kb|kilobytes)(_|$)/,
      );
      if (d.type === "histogram") expect(d.buckets?.length, d.name).toBeGreaterThan(0);
    }
    expect(new Set(METRIC_DEFINITIONS.map((d) => d.name)).size).toBe(METRIC_DEFINITIONS.length);
  });

  it("never takes a channel, group, user or path as a label", () => {
    const forbidden = /^(channel|channel_name|group|group_name|user|user_id|username|path|url|room)$/;
    for (const d of METRIC_DEFINITIONS)
      for (const label of d.labelNames) expect(label, d.name).not.toMatch(forbidden);
  });

  it("is the table of docs/topics/metrics.md (the page cannot drift from the code)", () => {
    const page = readFileSync(DOCS, "utf8");
    const start = page.indexOf(START);
    const end = page.indexOf(END);
    expect(start, `docs/topics/metrics.md must hold the line ${START}`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const fresh = `${page.slice(0, start + START.length)}\n\n${renderMetricsTable()}\n\n${page.slice(end)}`;
    if (process.env.UPDATE_DOCS === "1" && page !== fresh) {
      writeFileSync(DOCS, fresh);
      return;
    }
    expect(
      page,
      "docs/topics/metrics.md is stale: run UPDATE_DOCS=1 pnpm exec vitest run packages/core/src/metrics",
    ).toBe(fresh);
  });
});
