/** The flags of `deno task bench scifact`, declared and checked in one place. */
import { listFlag, parseFlags, positiveIntFlag, UsageError } from "../harness/cli-flags.ts";
import { DEFAULT_SCIFACT_DIR } from "../harness/scifact-files.ts";
import { RETRIEVER_IDS, type RetrieverId, type SearchParameters } from "./retrievers.ts";

export interface SciFactOptions {
  readonly help: boolean;
  /** Evaluate only the first N judged queries. */
  readonly limitQueries?: number;
  readonly modes: readonly RetrieverId[];
  readonly json: boolean;
  readonly reload: boolean;
  readonly dataDir: string;
  readonly parameters: SearchParameters;
}

export const SCIFACT_HELP = `deno task bench scifact [flags]

Retrieval quality on BEIR SciFact (train split: 809 judged queries over 5,183 abstracts):
nDCG@10, recall@100 and MRR@10 per mode, with p50/p95 latency. Loads the corpus once into
the database pgrag_scifact (one tenant, one chunk per abstract, hashed word + trigram
embeddings) and reuses it while the corpus and embedding version are unchanged.

Modes (--modes, comma-separated; default all):
  ${RETRIEVER_IDS.join(", ")}
  The first three call pgrag.hybrid_search; baselines are plain SQL on the same table.

Flags:
  --limit-queries N         only the first N judged queries
  --modes LIST              the modes to evaluate
  --json                    print the metrics as one JSON line instead of the Markdown
  --reload                  rebuild pgrag_scifact even when it could be reused
  --rrf-k N                 passed to hybrid_search as rrf_k (default: the function's)
  --full-text-weight X      passed as full_text_weight (default: the function's)
  --semantic-weight X       passed as semantic_weight (default: the function's)
  --ef-search N             passed as ef_search (default: the function's)
  --data DIR                the SciFact folder (default ${DEFAULT_SCIFACT_DIR})

Only a run of every mode over every query with the function's defaults writes
bench/results/scifact.md; any other (a smoke or tuning run) writes scifact-quick.md.

Server: PGRAG_BENCH_DATABASE_URL, else DATABASE_URL, else the local development server.`;

export function parseSciFactOptions(args: readonly string[]): SciFactOptions {
  const flags = parseFlags(args, {
    values: [
      "limit-queries",
      "modes",
      "rrf-k",
      "full-text-weight",
      "semantic-weight",
      "ef-search",
      "data",
    ],
    switches: ["json", "reload", "help"],
  });
  const optionalInt = (name: string) =>
    flags.values.has(name) ? positiveIntFlag(flags, name, 0) : undefined;
  return {
    help: flags.switches.has("help"),
    limitQueries: optionalInt("limit-queries"),
    modes: listFlag(flags, "modes", RETRIEVER_IDS),
    json: flags.switches.has("json"),
    reload: flags.switches.has("reload"),
    dataDir: flags.values.get("data") ?? DEFAULT_SCIFACT_DIR,
    parameters: {
      rrfK: optionalInt("rrf-k"),
      fullTextWeight: optionalWeight(flags.values, "full-text-weight"),
      semanticWeight: optionalWeight(flags.values, "semantic-weight"),
      efSearch: optionalInt("ef-search"),
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

function optionalWeight(values: ReadonlyMap<string, string>, name: string): number | undefined {
  const text = values.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${name} must be a number ≥ 0, not ${text}`);
  }
  return value;
}
