/**
 * The Markdown of the reports: one layout (title, lead paragraphs, sections), tables with padded
 * columns (valid Markdown for the results file and still readable as plain text on a terminal),
 * lists, and the number formats the reports share.
 */

export interface ReportSection {
  readonly heading: string;
  /** Paragraphs, tables and lists, separated by blank lines. */
  readonly paragraphs: readonly string[];
}

/** `# title`, the lead paragraphs (what ran, on what, the headline table), then `## sections`. */
export function markdownReport(
  title: string,
  lead: readonly string[],
  sections: readonly ReportSection[],
): string {
  const blocks = [
    `# ${title}`,
    ...lead,
    ...sections.flatMap((section) => [`## ${section.heading}`, ...section.paragraphs]),
  ];
  return blocks.join("\n\n") + "\n";
}

/** `- item` lines. */
export function bulletList(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join("\n");
}

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
