// The shape of every result: tables of rows (one per server or layer) and typed columns, from
// which the markdown and the charts are made.

export type Format = "int" | "ms" | "bytes" | "rate" | "us";

export interface Column {
  key: string;
  label: string;
  format: Format;
  /** Show ratios to raw ws and Django Channels; "lower" marks columns where less is better. */
  ratio?: "higher" | "lower";
}

export interface Row {
  /** Server or layer id; ratios look rows up by it within the same table. */
  id: string;
  label: string;
  /** Id of the Django Channels row this one is compared with. */
  djangoPeer?: string;
  values: Record<string, number | null>;
  error?: string;
}

export interface Table {
  id: string;
  title: string;
  note?: string;
  columns: Column[];
  rows: Row[];
  /** Id of the row that plays raw ws for ratios (default "ws"). */
  wsRow?: string;
}

export interface Scenario {
  id: string;
  title: string;
  description: string;
  tables: Table[];
  durationMs: number;
}

export function ratio(table: Table, row: Row, key: string, refId: string | undefined): number | null {
  if (!refId) return null;
  const ref = table.rows.find((r) => r.id === refId)?.values[key];
  const value = row.values[key];
  if (ref === null || ref === undefined || value === null || value === undefined || ref === 0) return null;
  return value / ref;
}
