/**
 * The load benchmark's Markdown report and JSON: per level, throughput and latency against the
 * unloaded baseline, then every status code and unanswered request, the soak minute by minute
 * with the server's memory, and whether the server kept its saturation contract (only 503 or
 * 429 with Retry-After, no other 5xx, nothing past its deadline, nothing hung).
 */
import { describeMachine, type MachineFacts } from "../harness/machine-facts.ts";
import {
  bulletList,
  formatInt,
  formatMs,
  formatRatio,
  markdownReport,
  markdownTable,
} from "../harness/markdown.ts";
import { DEADLINE_VARIABLE } from "./deadline.ts";
import { MIX_CYCLE, type MixShape } from "./mix.ts";
import type { LoadOptions } from "./options.ts";
import {
  contractBreaches,
  type LevelSummary,
  type ResidentSample,
  type SoakMinute,
  type StatusBreakdown,
} from "./results.ts";

export interface LoadReportInput {
  readonly facts: MachineFacts;
  /** shared_buffers, work_mem, jit and the load average around the run. */
  readonly conditions: string;
  readonly options: LoadOptions;
  readonly mix: MixShape;
  readonly corpusChunks: number;
  readonly server: {
    readonly command: string;
    readonly maxConnections: number;
    readonly deadlineMs: number | undefined;
    readonly timeoutSeconds: number;
    /** The server's log lines by `level event`. */
    readonly logEvents: Readonly<Record<string, number>>;
    readonly otherOutput: readonly string[];
  };
  /** The baseline first, then the levels. */
  readonly levels: readonly LevelSummary[];
  readonly soak: {
    readonly summary: LevelSummary;
    readonly minutes: readonly SoakMinute[];
    readonly residentSamples: readonly ResidentSample[];
  };
  readonly resident: {
    readonly atStartKiB: number;
    readonly beforeLevelsKiB: number;
    readonly beforeSoakKiB: number;
    readonly afterSoakKiB: number;
    /** Once the server had finished the soak's last requests. */
    readonly settledKiB: number;
  };
  /** Ingests answered 2xx, and documents of the load found in the table at the end. */
  readonly ingests: { readonly stored: number; readonly acknowledged: number };
}

export function renderLoadReport(input: LoadReportInput): string {
  const { options } = input;
  return markdownReport(`Load benchmark${options.quick ? " (quick run)" : ""}`, [
    `${describeMachine(input.facts)} · ${input.conditions}`,
    whatRan(input),
    deadlineParagraph(input),
    levelsTable(input),
    bulletList(verdict(input)),
  ], [
    {
      heading: "Status codes and unanswered requests",
      paragraphs: [statusTable(input), statusNotes(input)],
    },
    { heading: "Soak", paragraphs: [soakParagraph(input), soakTable(input.soak.minutes)] },
    { heading: "How it was measured", paragraphs: [bulletList(measurementNotes(input))] },
  ]);
}

function whatRan(input: LoadReportInput): string {
  const { options, mix } = input;
  const cycle = MIX_CYCLE.map((kind) => kind === "ingest" ? "ingest" : `${kind} search`);
  return `pgrag's server as \`deno task start\` runs it (\`${input.server.command}\`, a process ` +
    `of its own, ${input.server.maxConnections} database connections) on a tenant holding ` +
    `${formatInt(input.corpusChunks)} chunks × ${mix.dimension} dimensions, driven by ` +
    `autocannon 9.0.0 from the benchmark's process on the same machine. Every connection keeps ` +
    `one request in flight and repeats ${cycle.join(", ")}: 80% \`POST /search\` (top ` +
    `${mix.topK}) and 20% \`POST /documents\` (one document of ${mix.chunksPerIngest} chunks ` +
    `with base64 float32 embeddings). A baseline of ${options.baselineConnections} connection ` +
    `and each level ran ${options.levelSeconds} s, after a ${options.warmupSeconds} s ` +
    `warm-up; then a soak of ${options.soakConnections} connections for ` +
    `${options.soakSeconds} s. Latencies are of 2xx answers, in ms.`;
}

function deadlineParagraph(input: LoadReportInput): string {
  const { deadlineMs, timeoutSeconds } = input.server;
  if (deadlineMs === undefined) {
    return `This server has no request deadline (its configuration reads no ` +
      `\`${DEADLINE_VARIABLE}\`), so no answer can be judged late: the longest request of ` +
      `each level is reported instead, and the client counted a request unanswered after ` +
      `${timeoutSeconds} s as a timeout.`;
  }
  return `The server's request deadline (\`${DEADLINE_VARIABLE}\`) was ${formatInt(deadlineMs)} ` +
    `ms; the client waited up to ${timeoutSeconds} s, so an answer past the deadline would ` +
    "still have been seen.";
}

const mib = (kiB: number) => (kiB / 1024).toFixed(1);
/** A latency, or a dash where no request of the kind was answered 2xx. */
const ms = (value: number) => Number.isNaN(value) ? "—" : formatMs(value);

function levelsTable(input: LoadReportInput): string {
  const baseline = input.levels[0];
  const rows = [...input.levels, input.soak.summary].map((level) => [
    level === baseline
      ? `${level.connections} (baseline)`
      : level === input.soak.summary
      ? `${level.connections} (soak)`
      : String(level.connections),
    formatInt(level.answeredPerSecond),
    formatInt(level.okPerSecond),
    ms(level.latency.all.p50),
    ms(level.latency.all.p99),
    `${ms(level.latency.hybrid.p50)} / ${ms(level.latency.hybrid.p99)}`,
    `${ms(level.latency.keyword.p50)} / ${ms(level.latency.keyword.p99)}`,
    `${ms(level.latency.ingest.p50)} / ${ms(level.latency.ingest.p99)}`,
    formatInt(level.longestMs),
    level === baseline ? "—" : formatRatio(level.latency.all.p99 / baseline.latency.all.p99),
    notOkCell(level),
    mib(level.residentKiBAfter),
  ]);
  return markdownTable([
    "Connections",
    "Answers/s",
    "2xx/s",
    "p50",
    "p99",
    "Hybrid p50 / p99",
    "Keyword p50 / p99",
    "Ingest p50 / p99",
    "Longest",
    "p99 ÷ baseline",
    "Non-2xx or lost",
    "RSS after, MiB",
  ], rows);
}

/**
 * "0", or "12 (503 + Retry-After 12)": answers other than 2xx and requests that got no answer.
 * Requests still in flight when the level ended are not among them (see the status table).
 */
function notOkCell(level: LevelSummary): string {
  const count = level.answered - level.statuses.ok + level.unanswered;
  if (count === 0) return "0";
  const parts = statusParts(level.statuses);
  if (level.timeouts) parts.push(`timeouts ${level.timeouts}`);
  if (level.unanswered - level.timeouts > 0) {
    parts.push(`lost ${level.unanswered - level.timeouts}`);
  }
  return `${formatInt(count)} (${parts.join(", ")})`;
}

function statusParts(statuses: StatusBreakdown): string[] {
  const parts: string[] = [];
  const add = (count: number, label: string) => count > 0 && parts.push(`${label} ${count}`);
  add(statuses.unavailableWithRetryAfter, "503 + Retry-After");
  add(statuses.unavailableWithoutRetryAfter, "503 without Retry-After");
  add(statuses.tooManyWithRetryAfter, "429 + Retry-After");
  add(statuses.tooManyWithoutRetryAfter, "429 without Retry-After");
  for (const [code, count] of Object.entries(statuses.clientErrors)) add(count, code);
  for (const [code, count] of Object.entries(statuses.otherServerErrors)) add(count, code);
  add(statuses.other, "other");
  return parts;
}

/** The answers that break the contract, as "503 without Retry-After 3", "500 2". */
function breachParts(statuses: StatusBreakdown): string[] {
  const parts = Object.entries(statuses.otherServerErrors).map(([code, n]) => `${code} × ${n}`);
  if (statuses.unavailableWithoutRetryAfter) {
    parts.push(`503 without Retry-After × ${statuses.unavailableWithoutRetryAfter}`);
  }
  if (statuses.tooManyWithoutRetryAfter) {
    parts.push(`429 without Retry-After × ${statuses.tooManyWithoutRetryAfter}`);
  }
  return parts;
}

function verdict(input: LoadReportInput): string[] {
  const all = [...input.levels, input.soak.summary];
  const breaches = all.filter((level) => contractBreaches(level.statuses) > 0);
  const pastDeadline = all.reduce((sum, level) => sum + level.pastDeadline, 0);
  const timeouts = all.reduce((sum, level) => sum + level.timeouts, 0);
  const lost = all.reduce((sum, level) => sum + level.unanswered - level.timeouts, 0);
  const longest = all.reduce((worst, level) => level.longestMs > worst.longestMs ? level : worst);
  const refused = all.reduce(
    (sum, level) =>
      sum + level.statuses.unavailableWithRetryAfter + level.statuses.tooManyWithRetryAfter,
    0,
  );
  const { deadlineMs, timeoutSeconds } = input.server;
  return [
    breaches.length === 0
      ? `**No 5xx other than 503 with Retry-After, no 503 or 429 without it**, at any level ` +
        `or in the soak (${formatInt(refused)} refusals with Retry-After in all).`
      : `**Saturation contract broken**: ${
        breaches.map((level) => `${level.label}: ${breachParts(level.statuses).join(", ")}`)
          .join("; ")
      }.`,
    deadlineMs === undefined
      ? `No deadline is configured; the longest request took ${formatInt(longest.longestMs)} ms ` +
        `(${longest.label}).`
      : pastDeadline === 0
      ? `**No request past the ${formatInt(deadlineMs)} ms deadline**; the longest took ` +
        `${formatInt(longest.longestMs)} ms (${longest.label}).`
      : `**${formatInt(pastDeadline)} requests past the ${formatInt(deadlineMs)} ms deadline**; ` +
        `the longest took ${formatInt(longest.longestMs)} ms (${longest.label}).`,
    timeouts === 0 && lost === 0
      ? `No hang: every request was answered within the client's ${timeoutSeconds} s or was ` +
        "still young when its level ended (see the in-flight column below)."
      : `**${formatInt(timeouts)} requests timed out** (no answer in ${timeoutSeconds} s) and ` +
        `${formatInt(lost)} were lost to socket errors or closed connections.`,
    `Ingests: ${formatInt(input.ingests.acknowledged)} answered 2xx, ` +
    `${formatInt(input.ingests.stored)} documents of the load stored (more when the server ` +
    "finished requests whose level had ended).",
  ];
}

function statusTable(input: LoadReportInput): string {
  const rows = [...input.levels, input.soak.summary].map((level) => {
    const s = level.statuses;
    const clientErrors = Object.entries(s.clientErrors).map(([code, n]) => `${code}: ${n}`);
    const serverErrors = Object.entries(s.otherServerErrors).map(([code, n]) => `${code}: ${n}`);
    const socketErrors = Object.entries(level.socketErrors).map(([code, n]) => `${code}: ${n}`);
    return [
      level.label,
      formatInt(level.sent),
      formatInt(level.answered),
      formatInt(s.ok),
      clientErrors.join(", ") || "0",
      `${s.tooManyWithRetryAfter} / ${s.tooManyWithoutRetryAfter}`,
      `${s.unavailableWithRetryAfter} / ${s.unavailableWithoutRetryAfter}`,
      serverErrors.join(", ") || "0",
      String(level.timeouts),
      socketErrors.join(", ") || "0",
      String(level.unanswered),
      level.inFlightAtEnd === 0
        ? "0"
        : `${level.inFlightAtEnd} (oldest ${formatInt(level.oldestInFlightMs)} ms)`,
      input.server.deadlineMs === undefined ? "—" : String(level.pastDeadline),
    ];
  });
  return markdownTable([
    "Level",
    "Sent",
    "Answered",
    "2xx",
    "4xx (not 429)",
    "429 with / without Retry-After",
    "503 with / without Retry-After",
    "Other 5xx",
    "Timeouts",
    "Socket errors",
    "Unanswered",
    "In flight at the end",
    "Past deadline",
  ], rows);
}

function statusNotes(input: LoadReportInput): string {
  const events = Object.entries(input.server.logEvents)
    .sort(([, a], [, b]) => b - a)
    .map(([event, count]) => `${event} × ${formatInt(count)}`);
  const other = input.server.otherOutput.map((line) => `\`${line}\``);
  return "Unanswered: sent, not answered, and not in flight when the level ended (a timeout, a " +
    "socket error, a connection the server closed). In flight at the end: autocannon stops at " +
    "the level's end without waiting; these were still waiting, and their age is counted in " +
    `the longest request. The server's JSON log during the run: ${
      events.join(", ") || "no line"
    }; its other output: ${other.join(", ") || "none"}.`;
}

function soakParagraph(input: LoadReportInput): string {
  const r = input.resident;
  const peak = Math.max(r.afterSoakKiB, ...input.soak.residentSamples.map((s) => s.kiB));
  const growth = r.afterSoakKiB - r.beforeSoakKiB;
  return `Server RSS: **${mib(r.beforeSoakKiB)} MiB before the soak, ${mib(r.afterSoakKiB)} MiB ` +
    `after it** (${growth >= 0 ? "+" : ""}${mib(growth)} MiB; peak ${mib(peak)} MiB, sampled ` +
    `every 5 s), ${mib(r.settledKiB)} MiB once idle. For scale: ${mib(r.atStartKiB)} MiB when ` +
    `the server had started, ${mib(r.beforeLevelsKiB)} MiB after the warm-up. Minute by minute ` +
    `(${input.options.soakConnections} connections):`;
}

function soakTable(minutes: readonly SoakMinute[]): string {
  return markdownTable(
    ["Minute", "Answers/s", "2xx/s", "p99", "Non-2xx", "RSS, MiB"],
    minutes.map((m) => [
      String(m.minute),
      formatInt(m.answeredPerSecond),
      formatInt(m.okPerSecond),
      ms(m.p99),
      formatInt(m.notOk),
      Number.isNaN(m.residentKiB) ? "—" : mib(m.residentKiB),
    ]),
  );
}

function measurementNotes(input: LoadReportInput): string[] {
  return [
    "The benchmark creates its own database (pgrag_bench_load), migrates it with the project's " +
    "runner, starts the server against it with a generated admin key, creates the tenant and " +
    "a writer key through the admin API, preloads the corpus as pgrag writes it (documents of " +
    "10 chunks, English-looking text, random unit embeddings; HNSW index built afterwards) and " +
    "checks that a search returns top_k chunks before any load. The database is dropped and " +
    "the server stopped at the end.",
    "Searches: queries of three words from generated text of the corpus's vocabulary (a few " +
    "hundred words), so each query word occurs in many chunks and the keyword arm ranks a " +
    "large share of the tenant; hybrid ones add a random unit embedding. Ingests: 256 " +
    "distinct documents cycled through, each sent with a fresh id, so every ingest inserts.",
    "Every answer is recorded from autocannon's client events (route, status, Retry-After, " +
    "latency), not from its summary, which cannot tell a 503 with Retry-After from one " +
    "without. Percentiles are nearest-rank over the 2xx answers; answers/s counts every answer.",
    "Autocannon does not wait for Retry-After: a connection that is refused sends its next " +
    "request at once. That is harsher than a client that backs off, and where the server " +
    "refuses, answers/s mostly measures how cheaply it does.",
    "After each level the benchmark waits until the database has no active statement, so the " +
    "next level does not start on the previous one's backlog; the RSS column is read right " +
    "after the level, before that wait.",
    "The load generator, the server and PostgreSQL share the machine's " +
    `${input.facts.cores} cores: at high concurrency the generator's own CPU is part of what ` +
    "limits throughput, and latencies include its event loop.",
  ];
}

/** The run's numbers as load.json: everything in the report but the prose. */
export function loadJson(input: LoadReportInput): unknown {
  return {
    facts: input.facts,
    conditions: input.conditions,
    options: input.options,
    mix: { ...input.mix, cycle: MIX_CYCLE },
    corpusChunks: input.corpusChunks,
    server: input.server,
    levels: input.levels,
    soak: input.soak,
    resident: input.resident,
    ingests: input.ingests,
  };
}
