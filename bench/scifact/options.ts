/** The flags of `deno task bench scifact`, declared and checked in one place. */
import type { BenchmarkCli } from "../harness/benchmark.ts";
import {
  choiceFlag,
  listFlag,
  optionalIntFlag,
  optionalWeightFlag,
  type ParsedFlags,
} from "../harness/cli-flags.ts";
import { SCIFACT_DATA_FLAG, sciFactDir } from "../harness/scifact-files.ts";
import { EMBEDDING_CHOICES, type EmbeddingChoice } from "./embedders.ts";
import { RETRIEVER_IDS, type RetrieverId, type SearchParameters } from "./retrievers.ts";

export interface SciFactOptions {
  readonly quick: boolean;
  /** Evaluate only the first N judged queries. */
  readonly limitQueries?: number;
  readonly modes: readonly RetrieverId[];
  readonly embedding: EmbeddingChoice;
  readonly json: boolean;
  readonly reload: boolean;
  readonly dataDir: URL;
  readonly parameters: SearchParameters;
}

/** Judged queries a --quick run evaluates: enough for every mode to rank a varied sample. */
const QUICK_QUERIES = 100;

const ABOUT =
  `Retrieval quality on BEIR SciFact (train split: 809 judged queries over 5,183 abstracts):
nDCG@10, recall@100 and MRR@10 per mode, with p50/p95 latency. Loads the corpus once into
the database pgrag_scifact (one tenant, one chunk per abstract, hashed word + trigram
embeddings; pgrag_scifact_local with --embedding local) and reuses it while the corpus and
embedding version are unchanged.

Modes (--modes, comma-separated; default all):
  ${RETRIEVER_IDS.join(", ")}
  The first three call pgrag.hybrid_search; baselines are plain SQL on the same table.`;

const FLAGS = [
  { name: "limit-queries", value: "N", help: "only the first N judged queries" },
  { name: "modes", value: "LIST", help: "the modes to evaluate" },
  {
    name: "embedding",
    value: "NAME",
    help: `what embeds chunks and queries: ${EMBEDDING_CHOICES.join(" or ")} (default stand-in)\n` +
      "stand-in: hashed words + trigrams; local: pgrag's offline GloVe provider",
  },
  { name: "json", help: "print the metrics as one JSON line instead of the Markdown" },
  { name: "reload", help: "rebuild the database even when it could be reused" },
  {
    name: "rrf-k",
    value: "N",
    help: "passed to hybrid_search as rrf_k (default: the function's)",
  },
  {
    name: "full-text-weight",
    value: "X",
    help: "passed as full_text_weight (default: the function's)",
  },
  {
    name: "semantic-weight",
    value: "X",
    help: "passed as semantic_weight (default: the function's)",
  },
  { name: "ef-search", value: "N", help: "passed as ef_search (default: the function's)" },
  SCIFACT_DATA_FLAG,
];

const QUICK = `--limit-queries ${QUICK_QUERIES}`;

const NOTES = `Only a run of every mode over every query with the function's defaults writes
bench/results/scifact.md (scifact-local.md with --embedding local); any other (a smoke or
tuning run) writes scifact-quick.md (scifact-local-quick.md).`;

function sciFactOptions(flags: ParsedFlags, quick: boolean): SciFactOptions {
  return {
    quick,
    limitQueries: optionalIntFlag(flags, "limit-queries") ?? (quick ? QUICK_QUERIES : undefined),
    modes: listFlag(flags, "modes", RETRIEVER_IDS),
    embedding: choiceFlag(flags, "embedding", EMBEDDING_CHOICES, "stand-in"),
    json: flags.switches.has("json"),
    reload: flags.switches.has("reload"),
    dataDir: sciFactDir(flags),
    parameters: {
      rrfK: optionalIntFlag(flags, "rrf-k"),
      fullTextWeight: optionalWeightFlag(flags, "full-text-weight"),
      semanticWeight: optionalWeightFlag(flags, "semantic-weight"),
      efSearch: optionalIntFlag(flags, "ef-search"),
    },
  };
}

/**
 * Whether this is the run the committed scifact.md records: all modes, all queries, no argument
 * overridden. Tuning and smoke runs must not overwrite it.
 */
export function isFullRun(options: SciFactOptions): boolean {
  return options.limitQueries === undefined && options.modes.length === RETRIEVER_IDS.length &&
    Object.values(options.parameters).every((value) => value === undefined);
}

export const sciFactCli: BenchmarkCli<SciFactOptions> = {
  about: ABOUT,
  flags: FLAGS,
  quick: QUICK,
  notes: NOTES,
  options: sciFactOptions,
};
