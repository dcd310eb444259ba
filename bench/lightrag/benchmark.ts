/**
 * `deno task bench lightrag [--docs N] [--dim D]`: LightRAG-style ingest of SciFact (documents,
 * chunks with embeddings, doc status, the extract cache) through the Python adapter
 * (clients/python, over pgrag's HTTP API) against LightRAG's own PostgreSQL call pattern (one
 * statement per record, lightrag-pg-pattern.ts), on the same PostgreSQL. Prints rows/s both ways.
 */
import type { RunnableBenchmark } from "../harness/benchmark.ts";
import { parseFlags, positiveIntFlag } from "../harness/cli-flags.ts";
import {
  benchServerUrl,
  connect,
  connectToServer,
  createMigratedDatabase,
} from "../harness/databases.ts";
import { startPgragServer } from "../harness/pgrag-server.ts";
import { readSciFact } from "../harness/scifact-files.ts";
import { createTenant, issueTenantKey } from "../harness/tenants.ts";
import { createLightragTables, ingestAsLightrag } from "./lightrag-pg-pattern.ts";
import { planDocuments } from "./plan.ts";

const DATABASE = "pgrag_bench_lightrag";
const SCIFACT = new URL("../../../shared/data/scifact/", import.meta.url);
const ADAPTER_SCRIPT = new URL("./ingest_adapter.py", import.meta.url).pathname;

export const lightrag: RunnableBenchmark = {
  async run(args) {
    const flags = parseFlags(args, [
      { name: "docs", value: "N", help: "SciFact documents to ingest (default: all)" },
      { name: "dim", value: "D", help: "embedding dimension (default 384)" },
    ]);
    const dimension = positiveIntFlag(flags, "dim", 384);
    const corpus = (await readSciFact(SCIFACT)).corpus;
    const documents = planDocuments(corpus.slice(0, positiveIntFlag(flags, "docs", corpus.length)));
    const chunks = documents.reduce((n, d) => n + d.chunks.length, 0);
    console.error(`lightrag: ${documents.length} documents, ${chunks} chunks, dim ${dimension}`);

    const serverUrl = benchServerUrl();
    const server = connectToServer(serverUrl);
    const url = await createMigratedDatabase(server, serverUrl, DATABASE, dimension);
    const sql = connect(url, { max: 4 });
    const pgrag = startPgragServer(url, dimension);
    try {
      const tenantId = await createTenant(sql, { name: "LightRAG bench", slug: "lightrag-bench" });
      const key = await issueTenantKey(sql, tenantId, "bench", "writer");
      const adapter = await runAdapter(pgrag.origin, key, { dimension, documents });
      await createLightragTables(sql, dimension);
      const direct = await ingestAsLightrag(sql, documents, dimension);
      const rate = (side: { rows: number; seconds: number }) => side.rows / side.seconds;
      console.log(`| path | rows | seconds | rows/s |\n|---|---:|---:|---:|`);
      for (
        const [name, side] of [["pgrag_lightrag over HTTP", adapter], [
          "LightRAG PG pattern (one statement per record)",
          direct,
        ]] as const
      ) {
        console.log(
          `| ${name} | ${side.rows} | ${side.seconds.toFixed(2)} | ${rate(side).toFixed(0)} |`,
        );
      }
    } finally {
      await pgrag.close();
      await sql.end();
      await server.end();
    }
  },
};

async function runAdapter(origin: string, key: string, plan: unknown) {
  const child = new Deno.Command("/usr/bin/python3", {
    args: [ADAPTER_SCRIPT],
    env: { PGRAG_URL: `${origin}/rag/v1`, PGRAG_API_KEY: key },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(plan)));
  await writer.close();
  const output = await child.output();
  if (!output.success) throw new Error("the adapter's ingest failed (its error is above)");
  return JSON.parse(new TextDecoder().decode(output.stdout)) as { rows: number; seconds: number };
}
