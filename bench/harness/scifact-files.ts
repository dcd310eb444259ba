/**
 * The SciFact files as BEIR ships them: the corpus and queries as JSON lines, the judgements as
 * a TSV with a header. Only what the benchmarks read is kept: the scifact benchmark evaluates on
 * them, the search benchmark takes its texts from the corpus.
 */
import type { Flag, ParsedFlags } from "./cli-flags.ts";

export interface CorpusDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export interface Query {
  readonly id: string;
  readonly text: string;
}

export interface SciFact {
  readonly corpus: readonly CorpusDocument[];
  /** Only the queries that have judgements, in file order: the ones BEIR averages over. */
  readonly queries: readonly Query[];
  /** Query id → ids of the documents judged relevant (score > 0). */
  readonly relevant: ReadonlyMap<string, ReadonlySet<string>>;
  /** SHA-256 of corpus.jsonl: the loaded database and the embedding's idf depend on it. */
  readonly corpusSha256: string;
}

/** The data sits beside the repository, in ../shared/data/scifact from its root. */
const DEFAULT_DIR = new URL("../../../shared/data/scifact/", import.meta.url);

export const SCIFACT_DATA_FLAG: Flag = {
  name: "data",
  value: "DIR",
  help: "the BEIR SciFact folder (default ../shared/data/scifact from the repository)",
};

/** The folder --data names (relative to the working directory), or the default. */
export function sciFactDir(flags: ParsedFlags): URL {
  const dir = flags.values.get("data");
  if (dir === undefined) return DEFAULT_DIR;
  return new URL(dir.endsWith("/") ? dir : `${dir}/`, `file://${Deno.cwd()}/`);
}

export async function readSciFact(folder: URL): Promise<SciFact> {
  const corpusBytes = await Deno.readFile(new URL("corpus.jsonl", folder));
  const corpus = jsonLines(new TextDecoder().decode(corpusBytes)).map((row) => ({
    id: stringField(row, "_id"),
    title: stringField(row, "title"),
    text: stringField(row, "text"),
  }));
  const relevant = parseQrels(await Deno.readTextFile(new URL("qrels-train.tsv", folder)));
  const queries = jsonLines(await Deno.readTextFile(new URL("queries-train.jsonl", folder)))
    .map((row) => ({ id: stringField(row, "_id"), text: stringField(row, "text") }))
    .filter((query) => relevant.has(query.id));
  return { corpus, queries, relevant, corpusSha256: await sha256Hex(corpusBytes) };
}

function parseQrels(tsv: string): Map<string, Set<string>> {
  const relevant = new Map<string, Set<string>>();
  const [header, ...lines] = tsv.split("\n").filter((line) => line.trim() !== "");
  if (!header.startsWith("query-id")) throw new Error(`unexpected qrels header: ${header}`);
  for (const line of lines) {
    const [queryId, corpusId, score] = line.split("\t");
    if (!(Number(score) > 0)) continue;
    const documents = relevant.get(queryId) ?? new Set<string>();
    documents.add(corpusId);
    relevant.set(queryId, documents);
  }
  return relevant;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}

function stringField(row: Record<string, unknown>, name: string): string {
  const value = row[name];
  if (typeof value !== "string") throw new Error(`field ${name} is not a string`);
  return value;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
