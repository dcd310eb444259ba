/**
 * What a level's answers add up to: throughput, latency by route, the status codes sorted into
 * what the issue asks about (503 and 429 with and without Retry-After, other 5xx), what went
 * unanswered and why, and what took longer than the server's deadline. The report and the JSON
 * are both written from these.
 */
import { percentile } from "../harness/statistics.ts";
import type { Answer, LevelRun } from "./drive.ts";
import type { RequestKind } from "./mix.ts";

export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

export interface StatusBreakdown {
  readonly ok: number;
  /** 4xx other than 429, by code. */
  readonly clientErrors: Readonly<Record<string, number>>;
  readonly tooManyWithRetryAfter: number;
  readonly tooManyWithoutRetryAfter: number;
  readonly unavailableWithRetryAfter: number;
  readonly unavailableWithoutRetryAfter: number;
  /** 5xx other than 503, by code: each one is a failure of the saturation contract. */
  readonly otherServerErrors: Readonly<Record<string, number>>;
  /** 1xx and 3xx: none are expected. */
  readonly other: number;
}

export interface LevelSummary {
  readonly label: string;
  readonly connections: number;
  readonly seconds: number;
  readonly sent: number;
  readonly answered: number;
  readonly answeredPerSecond: number;
  readonly okPerSecond: number;
  /** Of 2xx answers: what a client that was served waited. */
  readonly latency: Readonly<Record<"all" | RequestKind, Latency>>;
  /** Of every answer, and of the requests still in flight at the end. */
  readonly longestMs: number;
  readonly statuses: StatusBreakdown;
  readonly timeouts: number;
  readonly socketErrors: Readonly<Record<string, number>>;
  /** Sent, not answered, not in flight at the end: lost to timeouts, socket errors, closes. */
  readonly unanswered: number;
  readonly inFlightAtEnd: number;
  readonly oldestInFlightMs: number;
  /** Answers and end-of-level requests older than the server's deadline. */
  readonly pastDeadline: number;
  /** The server's VmRSS right after the level, before the server settled. */
  readonly residentKiBAfter: number;
}

export function summarizeLevel(
  label: string,
  run: LevelRun,
  deadlineMs: number | undefined,
  residentKiBAfter: number,
): LevelSummary {
  const { answers } = run;
  const ok = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
  const longestAnswer = answers.reduce((longest, answer) => Math.max(longest, answer.ms), 0);
  const oldestInFlightMs = Math.max(0, ...run.inFlightAtEndMs);
  const pastDeadline = (ms: number) => deadlineMs !== undefined && ms > deadlineMs;
  return {
    label,
    connections: run.connections,
    seconds: run.seconds,
    sent: run.sent,
    answered: answers.length,
    answeredPerSecond: answers.length / run.seconds,
    okPerSecond: ok.length / run.seconds,
    latency: {
      all: latency(ok),
      hybrid: latency(ok.filter((answer) => answer.kind === "hybrid")),
      keyword: latency(ok.filter((answer) => answer.kind === "keyword")),
      ingest: latency(ok.filter((answer) => answer.kind === "ingest")),
    },
    longestMs: Math.max(longestAnswer, oldestInFlightMs),
    statuses: statusBreakdown(answers),
    timeouts: run.timeouts,
    socketErrors: Object.fromEntries(run.socketErrors),
    unanswered: run.sent - answers.length - run.inFlightAtEndMs.length,
    inFlightAtEnd: run.inFlightAtEndMs.length,
    oldestInFlightMs,
    pastDeadline: answers.filter((answer) => pastDeadline(answer.ms)).length +
      run.inFlightAtEndMs.filter(pastDeadline).length,
    residentKiBAfter,
  };
}

export function latency(answers: readonly Answer[]): Latency {
  const ms = answers.map((answer) => answer.ms);
  return { count: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

export function statusBreakdown(answers: readonly Answer[]): StatusBreakdown {
  let ok = 0, other = 0;
  let tooManyWith = 0, tooManyWithout = 0, unavailableWith = 0, unavailableWithout = 0;
  const clientErrors: Record<string, number> = {};
  const otherServerErrors: Record<string, number> = {};
  for (const { status, retryAfter } of answers) {
    if (status >= 200 && status < 300) ok++;
    else if (status === 429) retryAfter ? tooManyWith++ : tooManyWithout++;
    else if (status === 503) retryAfter ? unavailableWith++ : unavailableWithout++;
    else if (status >= 400 && status < 500) clientErrors[status] = (clientErrors[status] ?? 0) + 1;
    else if (status >= 500) otherServerErrors[status] = (otherServerErrors[status] ?? 0) + 1;
    else other++;
  }
  return {
    ok,
    clientErrors,
    tooManyWithRetryAfter: tooManyWith,
    tooManyWithoutRetryAfter: tooManyWithout,
    unavailableWithRetryAfter: unavailableWith,
    unavailableWithoutRetryAfter: unavailableWithout,
    otherServerErrors,
    other,
  };
}

/** Answers that break the saturation contract: any 5xx but 503 with Retry-After, 429 without. */
export function contractBreaches(statuses: StatusBreakdown): number {
  return Object.values(statuses.otherServerErrors).reduce((sum, count) => sum + count, 0) +
    statuses.unavailableWithoutRetryAfter + statuses.tooManyWithoutRetryAfter;
}

export interface SoakMinute {
  /** 1-based. */
  readonly minute: number;
  readonly answeredPerSecond: number;
  readonly okPerSecond: number;
  readonly p99: number;
  readonly notOk: number;
  readonly residentKiB: number;
}

export interface ResidentSample {
  /** Milliseconds from the soak's start. */
  readonly at: number;
  readonly kiB: number;
}

/**
 * The soak minute by minute (the last shorter if the soak is not whole minutes; the few answers
 * autocannon collects after the planned end count in it), with the RSS last sampled in each.
 */
export function soakMinutes(
  run: LevelRun,
  samples: readonly ResidentSample[],
): SoakMinute[] {
  const count = Math.ceil(run.plannedSeconds / 60);
  const buckets = Array.from({ length: count }, () => [] as Answer[]);
  for (const answer of run.answers) {
    buckets[Math.min(count - 1, Math.floor(answer.at / 60_000))].push(answer);
  }
  return buckets.map((answers, i) => {
    const seconds = Math.min(60, run.plannedSeconds - i * 60);
    const ok = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
    const sampled = samples.filter((sample) => sample.at < (i + 1) * 60_000).at(-1);
    return {
      minute: i + 1,
      answeredPerSecond: answers.length / seconds,
      okPerSecond: ok.length / seconds,
      p99: percentile(ok.map((answer) => answer.ms), 99),
      notOk: answers.length - ok.length,
      residentKiB: sampled?.kiB ?? NaN,
    };
  });
}
