/**
 * Markdown tables with padded columns (valid Markdown for the results file and still readable
 * as plain text on a terminal), and the number formats the reports share.
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

/** Milliseconds with three significant figures or so: "2.01", "14.7". */
export function formatMs(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** A ratio: "0.70×", "9.3×". */
export function formatRatio(value: number): string {
  return `${formatMs(value)}×`;
}

/** A target met or missed. */
export function check(ok: boolean): string {
  return ok ? "✓" : "✗";
}
