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
  /** Requests after which the database no longer answered (a new one took over). */
  databasesLost: number;
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
    databasesLost: 0,
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
  ["database lost", "databasesLost"],
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

/** How often each kind of mutation was let through (2xx) and refused, over all operations. */
export type KindTally = Map<string, { ok: number; refused: number }>;

/**
 * The kind of a mutation label, without the field it hit and a long value's excerpt: `body
 * documents[0].metadata ← number literal 1e400` is `number literal 1e400`.
 */
export function mutationKind(mutation: string): string {
  if (mutation.startsWith("header ")) return mutation.slice(0, mutation.indexOf(":"));
  const hostile = mutation.includes("← ") ? mutation.slice(mutation.indexOf("← ") + 2) : mutation;
  return hostile.replace(/"[^"]{13,}"( \(\d+ chars\))?/g, "…").replace(/\b\d{3,}\b/g, "N")
    .replace(/^(path|query) \S+/, "$1").replace(/^body .+ \+ N unknown keys$/, "N unknown keys")
    .trim();
}

export function countKind(kinds: KindTally, mutation: string, ok: boolean): void {
  const kind = mutationKind(mutation);
  const tally = kinds.get(kind) ?? { ok: 0, refused: 0 };
  if (ok) tally.ok++;
  else tally.refused++;
  kinds.set(kind, tally);
}

/**
 * The kinds as a table: a kind let through is not a failure by itself (many mutations are still
 * valid input), but one that should never be (invalid UTF-8, `1e400`) shows up here.
 */
export function formatKinds(kinds: KindTally): string {
  const rows = [...kinds].sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, t]) => `| ${kind.replaceAll("|", "\\|")} | ${t.ok} | ${t.refused} |`);
  return ["| mutation | 2xx | refused |", "| --- | ---: | ---: |", ...rows, ""].join("\n");
}
