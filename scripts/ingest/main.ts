/**
 * `deno task ingest <path>`: stores a folder of `.txt`, `.md` and BEIR-style `.jsonl` files (or
 * one file) in pgrag through its HTTP API. Resumable: ids already stored are skipped, asked with
 * `/documents/missing` before each batch. ^C stops after the batches in flight. Exits 1 when any
 * document failed, 130 when interrupted.
 */
import { parseArgs } from "node:util";
import { createPgragClient, type PgragClient } from "../../clients/typescript/mod.ts";
import { Progress } from "./progress.ts";
import { type IngestDocument, readSources, type SourceProblem } from "./sources.ts";

const USAGE = `usage: deno task ingest <path> [flags]

  --url <url>            the API, e.g. http://localhost:8000/rag/v1 (default: PGRAG_URL)
  --key <key>            a writer key (default: PGRAG_API_KEY)
  --batch <n>            documents per request (default 50)
  --concurrency <n>      requests in flight (default 2)
  --max-tokens <n>       chunk size in cl100k tokens (default: the server's)
  --overlap-tokens <n>   overlap between chunks (default: the server's)`;

/**
 * A request that has not answered by then fails its batch instead of hanging the run; the server
 * gives up on its own deadline well before (PGRAG_REQUEST_TIMEOUT_MS).
 */
const REQUEST_TIMEOUT_MS = 120_000;

interface Summary {
  documents: number;
  stored: number;
  skipped: number;
  chunks: number;
  bytes: number;
  failed: SourceProblem[];
  interrupted: boolean;
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        key: { type: "string" },
        batch: { type: "string" },
        concurrency: { type: "string" },
        "max-tokens": { type: "string" },
        "overlap-tokens": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values.url ?? Deno.env.get("PGRAG_URL");
  const key = values.key ?? Deno.env.get("PGRAG_API_KEY");
  const batch = positive(values.batch, 50);
  const concurrency = positive(values.concurrency, 2);
  const maxTokens = values["max-tokens"] ? positive(values["max-tokens"], 0) : undefined;
  const overlapTokens = values["overlap-tokens"] ? Number(values["overlap-tokens"]) : undefined;
  if (positionals.length !== 1 || !url || !key || !batch || !concurrency) {
    console.error(
      (positionals.length !== 1
        ? "give one path"
        : !url
        ? "no API URL: set PGRAG_URL or --url"
        : !key
        ? "no key: set PGRAG_API_KEY or --key"
        : "--batch and --concurrency must be positive integers") + `\n\n${USAGE}`,
    );
    return 2;
  }

  const { documents, problems, ignored } = await readSources(positionals[0]);
  const client = createPgragClient({ baseUrl: url, apiKey: key });
  const chunking = maxTokens
    ? {
      max_tokens: maxTokens,
      ...(overlapTokens === undefined ? {} : { overlap_tokens: overlapTokens }),
    }
    : undefined;
  const started = performance.now();
  const summary = await ingest(client, documents, { batch, concurrency, chunking });
  summary.failed.unshift(...problems);
  const seconds = (performance.now() - started) / 1000;
  report(summary, seconds, ignored);
  if (summary.interrupted) return 130;
  return summary.failed.length > 0 ? 1 : 0;
}

async function ingest(
  client: PgragClient,
  documents: IngestDocument[],
  options: { batch: number; concurrency: number; chunking?: Record<string, number> },
): Promise<Summary> {
  const summary: Summary = {
    documents: documents.length,
    stored: 0,
    skipped: 0,
    chunks: 0,
    bytes: 0,
    failed: [],
    interrupted: false,
  };
  const progress = new Progress(documents.length);
  const interrupt = () => {
    summary.interrupted = true;
    console.error("\ningest: stopping after the batches in flight (^C again to quit now)");
    Deno.removeSignalListener("SIGINT", interrupt);
  };
  Deno.addSignalListener("SIGINT", interrupt);
  let next = 0;
  const worker = async () => {
    while (!summary.interrupted && next < documents.length) {
      const slice = documents.slice(next, next + options.batch);
      next += slice.length;
      await sendBatch(client, slice, options.chunking, summary);
      progress.advance(slice.length);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    progress.finish();
  }
  return summary;
}

/** One batch: what is missing is sent, in one request; a refusal fails the batch, not the run. */
async function sendBatch(
  client: PgragClient,
  batch: IngestDocument[],
  chunking: Record<string, number> | undefined,
  summary: Summary,
): Promise<void> {
  const fail = (reason: string, of = batch): void => {
    summary.failed.push(...of.map((document) => ({ where: document.id, reason })));
  };
  try {
    const missing = await client.POST("/documents/missing", {
      body: { ids: batch.map((document) => document.id) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!missing.data) return fail(problemText(missing.response.status, missing.error));
    const wanted = new Set(missing.data.missing);
    const toSend = batch.filter((document) => wanted.has(document.id));
    summary.skipped += batch.length - toSend.length;
    if (toSend.length === 0) return;
    const stored = await client.POST("/documents", {
      body: { documents: toSend, ...(chunking ? { chunking } : {}) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!stored.data) return fail(problemText(stored.response.status, stored.error), toSend);
    summary.stored += stored.data.documents.length;
    summary.chunks += stored.data.documents.reduce((sum, outcome) => sum + outcome.chunks_count, 0);
    summary.bytes += toSend.reduce((sum, d) => sum + new TextEncoder().encode(d.content).length, 0);
  } catch (error) {
    fail(`request failed: ${(error as Error).message}`);
  }
}

function problemText(status: number, problem: unknown): string {
  const detail = (problem as { detail?: string } | undefined)?.detail;
  return `${status}${detail ? `: ${detail}` : ""}`;
}

function report(summary: Summary, seconds: number, ignored: number): void {
  const lines = [
    `documents: ${summary.documents} read, ${summary.stored} stored, ${summary.skipped} ` +
    `skipped (already stored), ${summary.failed.length} failed` +
    (ignored ? `; ${ignored} files of other kinds left alone` : ""),
    `chunks: ${summary.chunks}, bytes: ${summary.bytes}, seconds: ${seconds.toFixed(1)}`,
  ];
  if (summary.interrupted) lines.push("interrupted: run again to go on where this run stopped");
  for (const failure of summary.failed.slice(0, 20)) {
    lines.push(`failed: ${failure.where}: ${failure.reason}`);
  }
  if (summary.failed.length > 20) lines.push(`failed: … and ${summary.failed.length - 20} more`);
  console.log(lines.join("\n"));
}

function positive(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  return Number.isSafeInteger(number) && number > 0 ? number : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
