// Latency samples kept in a bounded buffer, and the percentiles the tables report.

export class Samples {
  private values: Float64Array;
  count = 0;
  constructor(capacity = 2_000_000) {
    this.values = new Float64Array(capacity);
  }
  add(value: number): void {
    if (this.count < this.values.length) this.values[this.count++] = value;
  }
  /** `p` in 0..100; `null` with no samples. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const sorted = this.values.slice(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.floor((p / 100) * this.count))]!;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
