/**
 * The same searches through pgrag's HTTP API, beside their SQL: what a request adds to the
 * database's work (routing, validation, the credential check, the budget check and the audit row,
 * JSON both ways), measured in the run that measured the SQL, on the same database and queries.
 */
import type postgres from "postgres";
import { issueApiKey } from "../../shared/auth/api-keys.ts";
import { embeddingBase64, startPgragServer } from "../harness/pgrag-server.ts";
import { percentile } from "../harness/statistics.ts";
import { type EvaluationQuery, type ModeResult, WARMUP_QUERIES } from "./evaluate.ts";

/** What each mode may cost over HTTP, less one round trip, as a multiple of bare HNSW in SQL. */
const API_TARGETS = { vector: 2, keyword: 2.5, hybrid: 3.5 } as const;
/** What HTTP may add to a hybrid search in SQL, in ms at p50. */
const HTTP_OVERHEAD_TARGET_MS = 3;

type ApiMode = keyof typeof API_TARGETS;
interface ApiCase {
  readonly name: string;
  readonly mode: ApiMode;
  readonly encoding: "json" | "base64" | null;
}
const CASES: readonly ApiCase[] = [
  { name: "keyword", mode: "keyword", encoding: null },
  { name: "vector, embedding as JSON", mode: "vector", encoding: "json" },
  { name: "vector, embedding as base64", mode: "vector", encoding: "base64" },
  { name: "hybrid, embedding as JSON", mode: "hybrid", encoding: "json" },
  { name: "hybrid, embedding as base64", mode: "hybrid", encoding: "base64" },
];

export interface ApiLatency {
  readonly healthP50Ms: number;
  readonly cases: readonly {
    readonly name: string;
    readonly mode: ApiMode;
    readonly encoding: ApiCase["encoding"];
    readonly p50Ms: number;
    /** The server's own `Server-Timing: db` at p50: the request's one transaction. */
    readonly dbP50Ms: number;
  }[];
}

/** Times every case over HTTP at top 10, one request at a time, after a few untimed ones. */
export async function measureApiLatency(
  sql: postgres.Sql,
  databaseUrl: string,
  tenantId: string,
  queries: readonly EvaluationQuery[],
): Promise<ApiLatency> {
  const issued = await issueApiKey();
  await sql`
    insert into pgrag.api_keys (tenant_id, name, role, prefix, key_hash)
    values (${tenantId}, ${`scifact api ${crypto.randomUUID()}`}, 'reader', ${issued.prefix},
            decode(${issued.hash}, 'hex'))`;
  const server = startPgragServer(databaseUrl, 1536);
  try {
    const health = await timed(
      queries,
      () =>
        fetch(`${server.origin}/rag/v1/health`).then(async (answer) => {
          await answer.text();
          return 0;
        }),
    );
    const cases = [];
    for (const apiCase of CASES) {
      const dbMs: number[] = [];
      const latencies = await timed(queries, async (query, index) => {
        const answer = await fetch(`${server.origin}/rag/v1/search`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-API-Key": issued.key },
          body: JSON.stringify(requestBody(apiCase, query)),
        });
        const text = await answer.text();
        if (answer.status !== 200) throw new Error(`POST /search ${answer.status}: ${text}`);
        const db = /db;dur=([\d.]+)/.exec(answer.headers.get("server-timing") ?? "");
        if (db && index !== undefined) dbMs.push(Number(db[1]));
        if (JSON.parse(text).results.length === 0) throw new Error("POST /search found nothing");
        return 0;
      });
      cases.push({
        name: apiCase.name,
        mode: apiCase.mode,
        encoding: apiCase.encoding,
        p50Ms: percentile(latencies, 50),
        dbP50Ms: percentile(dbMs, 50),
      });
    }
    return { healthP50Ms: percentile(health, 50), cases };
  } finally {
    await server.close();
  }
}

function requestBody(apiCase: ApiCase, { prepared }: EvaluationQuery) {
  const values = JSON.parse(prepared.embedding) as number[];
  const embedding = apiCase.encoding === "base64"
    ? embeddingBase64(Float32Array.from(values))
    : values;
  return {
    mode: apiCase.mode,
    top_k: 10,
    ...(apiCase.mode === "vector" ? {} : { query: prepared.text }),
    ...(apiCase.encoding ? { embedding } : {}),
  };
}

/** Each query once, after a few untimed ones; `index` is undefined during the warm-up. */
async function timed(
  queries: readonly EvaluationQuery[],
  request: (query: EvaluationQuery, index?: number) => Promise<number>,
): Promise<number[]> {
  for (const query of queries.slice(0, WARMUP_QUERIES)) await request(query);
  const latencies: number[] = [];
  for (const [index, query] of queries.entries()) {
    const started = performance.now();
    await request(query, index);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

/** The section of the report: each case against the SQL it adds to and against the targets. */
export function renderApiLatency(api: ApiLatency, sqlResults: readonly ModeResult[]): string {
  const sqlTop10 = (id: string) => sqlResults.find((result) => result.id === id)?.p50Top10Ms;
  const bare = sqlTop10("baseline-bare-hnsw");
  const lines = [
    "## Through the HTTP API",
    "",
    "The same queries at top 10 through pgrag's HTTP API, served in this process over postgres.js " +
    "(`PGRAG_DB_PREPARE=false`) with a reader API key, one request at a time, beside the SQL " +
    `function's p50 at top 10 from the table above. One HTTP round trip (\`GET /health\`): ` +
    `${api.healthP50Ms.toFixed(2)} ms p50.`,
    "",
    "| Case | HTTP p50 ms | Server-Timing db p50 ms | SQL p50 ms | HTTP − SQL ms | (HTTP − round trip) ÷ bare HNSW |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const verdicts: string[] = [];
  for (const row of api.cases) {
    const sql = sqlTop10(row.mode);
    const overhead = sql === undefined ? undefined : row.p50Ms - sql;
    const ratio = bare ? (row.p50Ms - api.healthP50Ms) / bare : undefined;
    lines.push(
      `| ${row.name} | ${row.p50Ms.toFixed(2)} | ${row.dbP50Ms.toFixed(2)} | ` +
        `${sql?.toFixed(2) ?? "—"} | ${overhead?.toFixed(2) ?? "—"} | ` +
        `${ratio === undefined ? "—" : `${ratio.toFixed(2)}×`} |`,
    );
    if (ratio !== undefined && row.encoding !== "base64") {
      const target = API_TARGETS[row.mode];
      verdicts.push(
        `${row.mode} over HTTP less a round trip is ${ratio.toFixed(2)}× bare HNSW ` +
          `(target ≤ ${target}×) ${ratio <= target ? "✓" : "✗"}`,
      );
    }
    if (row.mode === "hybrid" && overhead !== undefined) {
      verdicts.push(
        `hybrid over HTTP (${row.encoding}) adds ${overhead.toFixed(2)} ms to SQL ` +
          `(target ≤ ${HTTP_OVERHEAD_TARGET_MS} ms) ${
            overhead <= HTTP_OVERHEAD_TARGET_MS ? "✓" : "✗"
          }`,
      );
    }
  }
  return [
    ...lines,
    "",
    ...verdicts.map((verdict) => `- ${verdict}`),
    "",
    "HTTP − SQL splits into the server's database time beyond the search itself (Server-Timing " +
    "db − SQL: the credential check, the budget check and the audit row, in the same " +
    "transaction) and what the process adds around it (HTTP p50 − db p50: parsing, validation, " +
    "the embedding's text form, the response's JSON). The SQL column is `pgrag.hybrid_search` as " +
    "the table above ran it; the API calls `pgrag.search_json`, which also builds the JSON.",
    "",
  ].join("\n");
}
