/**
 * Markdown tables with padded columns: valid Markdown for the results file and still readable
 * as plain text on a terminal.
 */
export function markdownTable(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length), 3)
  );
  const line = (cells: readonly string[]) =>
    "| " + widths.map((width, column) => (cells[column] ?? "").padEnd(width)).join(" | ") + " |";
  const rule = "| " + widths.map((width) => "-".repeat(width)).join(" | ") + " |";
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** 12345.6 → "12,346" */
export function formatInt(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
