/**
 * The embedding results as Markdown: chunks per second per cell against the provider-call
 * floor, then where a claim's time went, the writes that queued the chunks, and the checks and
 * conditions a reader needs to trust the numbers.
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
import type { CpuCosts } from "./cpu-costs.ts";
import { type CellResult, LANES } from "./measure-cell.ts";
import { cellLabel, type EmbeddingOptions } from "./options.ts";
import { PROVIDER_STEP } from "./timed-seams.ts";

export interface EmbeddingReport {
  readonly facts: MachineFacts;
  readonly settings: string;
  readonly options: EmbeddingOptions;
  readonly cpuCosts: CpuCosts;
  readonly results: readonly CellResult[];
}

/** The worker's steps in the order a claim takes them. */
const STEPS = [
  { step: "embedding_tenants", heading: "find tenants" },
  { step: "claim_embeddings", heading: "claim" },
  { step: PROVIDER_STEP, heading: "provider" },
  { step: "complete_embeddings", heading: "store" },
] as const;

export function renderEmbeddingReport(report: EmbeddingReport): string {
  const { options, results, cpuCosts } = report;
  const summary = markdownTable(
    [
      "Chunks",
      "Workers",
      "Latency",
      "Provider calls",
      "Seconds",
      "Chunks/s",
      "Floor s",
      "Ratio",
      "Verified",
    ],
    results.map((result) => [
      formatInt(result.chunks),
      String(result.cell.workers),
      `${result.cell.latencyMs} ms`,
      formatInt(result.providerCalls),
      result.seconds.toFixed(2),
      formatInt(result.chunks / result.seconds),
      result.floorSeconds.toFixed(2),
      result.floorSeconds > 0 ? formatRatio(result.seconds / result.floorSeconds) : "—",
      result.verification.ok ? "✓" : "✗",
    ]),
  );

  const stepTable = markdownTable(
    [
      "Cell",
      "Claims",
      "Calls per claim",
      ...STEPS.map((s) => `${s.heading} ms`),
      "outside ms",
      "Serial floor s",
    ],
    results.map((result) => {
      const claims = result.callsPerClaim.length;
      const loopMs = result.seconds * 1000 * result.cell.workers;
      const inSteps = STEPS.reduce((sum, s) => sum + result.steps.get(s.step).ms, 0);
      return [
        cellLabel(result.cell),
        formatInt(claims),
        callsPerClaim(result.callsPerClaim),
        ...STEPS.map((s) => formatMs(result.steps.get(s.step).ms / claims)),
        formatMs((loopMs - inSteps) / claims),
        result.serialFloorSeconds.toFixed(2),
      ];
    }),
  );

  const writeTable = markdownTable(
    ["Cell", "Chunks", "Write s", "Chunks/s written", "Load before", "Load after"],
    results.map((result) => [
      cellLabel(result.cell),
      formatInt(result.chunks),
      result.writeSeconds.toFixed(2),
      formatInt(result.chunks / result.writeSeconds),
      result.loadBefore,
      result.loadAfter,
    ]),
  );

  const checks = markdownTable(
    ["Cell", "Chunks", "Embedding = stand-in's", "Inputs sent", "Distinct inputs", "Unprocessed"],
    results.map(({ cell, verification: v }) => [
      cellLabel(cell),
      formatInt(v.chunks),
      formatInt(v.matching),
      formatInt(v.inputsSent),
      formatInt(v.distinctInputs),
      formatInt(v.unprocessedDocuments),
    ]),
  );

  return markdownReport("Automatic embedding: chunks embedded per second", [
    `${describeMachine(report.facts)}. ${report.settings}.`,
    `Each cell is a fresh tenant that writes ${formatInt(options.chunks)} chunks of about 100 ` +
    `words (about ${Math.round(cpuCosts.tokensPerText)} cl100k tokens) in documents of 10, ` +
    "without embeddings, through `pgrag.upsert_documents` with `pgrag.embedding = 'auto'`, so " +
    "the chunk triggers queue them. Then `EmbeddingWorker.start(workers)` runs over the " +
    "product's postgres.js seam and the openai provider, against the test suite's " +
    "OpenAI-compatible stand-in on a thread of its own (1536 dimensions, the latency added to " +
    "every call). Seconds run from the start until the tenant's queue is empty and every " +
    `document is \`processed\` (polled every 10 ms). Claim size ${options.claimSize}, ` +
    `${options.inputsPerCall} inputs and 8,000 tokens per provider call, lease 120 s, poll ` +
    "5 s: the product's defaults.",
    summary,
  ], [
    {
      heading: "How the floor is counted",
      paragraphs: [
        `The openai provider runs up to ${LANES} calls of one \`embed()\` at once, and each ` +
        "worker loop embeds one claim at a time, so a claim the provider split into k calls " +
        `waits at least ⌈k / ${LANES}⌉ latencies. Floor s = Σ over claims of ⌈k / ${LANES}⌉ × ` +
        "latency / workers: the provider's latency alone, with every loop always waiting on " +
        "it and nothing else. Ratio = seconds / floor s; at 0 ms there is no floor, and the " +
        "cell measures the worker's own cost. The serial floor below is the plainer provider " +
        "calls × latency / workers, as if every call waited alone.",
      ],
    },
    {
      heading: "Where a claim's time goes",
      paragraphs: [
        "Milliseconds per claim, summed over the loops: find tenants is " +
        "`pgrag.embedding_tenants` (one per claim with one tenant waiting), claim is " +
        "`pgrag.claim_embeddings`, provider is `embed()` (tokenizing, HTTP, the stand-in's " +
        "latency, decoding), store is `pgrag.complete_embeddings`; outside is the rest of " +
        "workers × seconds (printing vectors as pgvector text, JSON, waiting for a " +
        "connection, and loops idle once nothing is left to claim).",
        stepTable,
      ],
    },
    {
      heading: "Worker-side CPU per chunk, measured apart",
      paragraphs: [bulletList([
        `cl100k token count (what the provider does for every input before it splits a ` +
        `claim into calls): ${cpuCosts.tokenizeMsPerText.toFixed(3)} ms per chunk`,
        `pgvector text of a 1536-value vector (what the worker sends to store it): ` +
        `${cpuCosts.vectorTextMsPerVector.toFixed(3)} ms per chunk`,
      ])],
    },
    { heading: "Writing the chunks (queued by the triggers)", paragraphs: [writeTable] },
    {
      heading: "Checks",
      paragraphs: [
        "Every chunk's stored embedding must equal, value for value, the stand-in's vector for " +
        "its content (standInVector); the inputs of the calls the stand-in answered must " +
        "number the chunks and all be distinct (no chunk embedded twice, no retry); every " +
        "document must be `processed`. A cell ends when the queue is empty and every document " +
        "is processed, or when the queue has been empty for a second with documents still " +
        "`processing`: those are counted under Unprocessed, and the cell fails its check.",
        checks,
        "Unprocessed counts what the cells with several loops found before completions of one " +
        "tenant took turns (`pgrag.complete_embeddings`): two loops storing a document's last " +
        "chunks at once each saw the other's still without embedding, and neither marked the " +
        "document; tests/db/embedding-queue.test.ts now holds that race.",
      ],
    },
  ]);
}

/** "1 ×40, 2 ×23": how many claims the provider sent as each number of calls. */
function callsPerClaim(calls: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const k of calls) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([k, n]) => `${k} ×${n}`).join(", ");
}
