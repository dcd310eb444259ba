/** One operation's line of the fuzz report. */
export interface OperationTally {
  route: string;
  requests: number;
  mutated: number;
  /** Sent without the operation's own credential. */
  wrongCredentials: number;
  ok: number;
  refused: number;
  serverErrors: number;
  /** 4xx answers that are not a problem document. */
  notProblems: number;
  /** Refused requests after which the fingerprint had changed. */
  fingerprintChanges: number;
  violations: number;
}

export function newTally(route: string): OperationTally {
  return {
    route,
    requests: 0,
    mutated: 0,
    wrongCredentials: 0,
    ok: 0,
    refused: 0,
    serverErrors: 0,
    notProblems: 0,
    fingerprintChanges: 0,
    violations: 0,
  };
}

const COLUMNS: [string, keyof OperationTally][] = [
  ["operation", "route"],
  ["requests", "requests"],
  ["mutated", "mutated"],
  ["wrong credentials", "wrongCredentials"],
  ["2xx", "ok"],
  ["refused", "refused"],
  ["5xx", "serverErrors"],
  ["4xx not a problem", "notProblems"],
  ["fingerprint changed", "fingerprintChanges"],
  ["violations", "violations"],
];

/** A Markdown table, one line per operation and a total. */
export function formatReport(title: string, tallies: OperationTally[]): string {
  const total = newTally("**total**");
  for (const tally of tallies) {
    for (const [, key] of COLUMNS.slice(1)) {
      (total[key] as number) += tally[key] as number;
    }
  }
  const rows = [...tallies, total].map((tally) =>
    `| ${
      COLUMNS.map(([, key]) => (key === "route" ? `\`${tally.route}\`` : tally[key])).join(" | ")
    } |`
      .replace("`**total**`", "**total**")
  );
  return [
    `## ${title}`,
    "",
    `| ${COLUMNS.map(([name]) => name).join(" | ")} |`,
    `| ${COLUMNS.map(([, key]) => (key === "route" ? "---" : "---:")).join(" | ")} |`,
    ...rows,
    "",
  ].join("\n");
}
