// How figures read in the tables: rates with thousands separators, latency in ms, memory in KB.
import type { Format } from "./table";

export function formatValue(value: number | null | undefined, format: Format): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  switch (format) {
    case "int":
      return Math.round(value).toLocaleString("en-US");
    case "rate":
      return value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US");
    case "ms":
      return value < 10
        ? `${value.toFixed(2)} ms`
        : `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US")} ms`;
    case "us":
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} µs`;
    case "bytes":
      return Math.abs(value) >= 1024 * 1024
        ? `${(value / 1024 / 1024).toFixed(1)} MB`
        : `${(value / 1024).toFixed(1)} KB`;
  }
}

export function formatRatio(value: number | null): string {
  if (value === null) return "–";
  return value >= 100
    ? `${Math.round(value)}×`
    : value >= 10
      ? `${value.toFixed(1)}×`
      : `${value.toFixed(2)}×`;
}
