// Horizontal bar charts as plain SVG, drawn here (no chart service): one bar per row of a table
// column, the value written beside each bar.
import { formatValue } from "./format";
import type { Column, Table } from "./table";

const WIDTH = 760;
const LABEL_WIDTH = 290;
const VALUE_WIDTH = 110;
const ROW_HEIGHT = 26;
const TOP = 40;

function colour(id: string): string {
  if (id.startsWith("channels") || id === "memory" || id === "redis" || id === "rabbitmq") return "#2563eb";
  if (id.startsWith("django")) return "#16a34a";
  if (id.startsWith("socketio")) return "#ea580c";
  return "#6b7280";
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function barChart(title: string, table: Table, column: Column): string {
  const rows = table.rows.filter((row) => typeof row.values[column.key] === "number");
  const max = Math.max(...rows.map((row) => row.values[column.key] as number), 1e-9);
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const height = TOP + rows.length * ROW_HEIGHT + 16;
  const bars = rows.map((row, index) => {
    const value = row.values[column.key] as number;
    const y = TOP + index * ROW_HEIGHT;
    const width = Math.max(1, (Math.max(value, 0) / max) * barSpace);
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${y + 16}" text-anchor="end">${escapeXml(row.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 8}" fill="${colour(row.id)}" rx="2"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 16}">${escapeXml(formatValue(value, column.format))}</text>`,
    ].join("");
  });
  const hint =
    column.ratio === "lower" ? " (lower is better)" : column.ratio === "higher" ? " (higher is better)" : "";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="600">${escapeXml(title)}${escapeXml(hint)}</text>`,
    ...bars,
    "</svg>",
    "",
  ].join("\n");
}
