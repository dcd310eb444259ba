/**
 * What must hold after a cell for its throughput to count: every chunk of the tenant has the
 * stand-in's vector for its own content, and the provider saw each chunk's content exactly once
 * (a chunk claimed twice, by two loops or after a lease ran out, would show as a repeat).
 */
import type postgres from "postgres";
import { standInVector } from "../../tests/support/embedding-stand-in.ts";
import type { ReceivedCall } from "./threaded-stand-in.ts";

export interface Verification {
  readonly chunks: number;
  /** Chunks whose stored embedding is the stand-in's vector for their content. */
  readonly matching: number;
  /** Inputs of the calls the stand-in answered 200, and how many of them were distinct. */
  readonly inputsSent: number;
  readonly distinctInputs: number;
  readonly unprocessedDocuments: number;
  readonly ok: boolean;
}

const PAGE = 250;

export async function verifyCell(
  sql: postgres.Sql,
  tenantId: string,
  dimensions: number,
  calls: readonly ReceivedCall[],
): Promise<Verification> {
  let chunks = 0;
  let matching = 0;
  const rows = sql<{ content: string; embedding: string | null }[]>`
    select content, embedding::text as embedding
      from pgrag.chunks
     where tenant_id = ${tenantId}`.cursor(PAGE);
  for await (const page of rows) {
    for (const row of page) {
      chunks++;
      if (row.embedding !== null && equalsStandIn(row.embedding, row.content, dimensions)) {
        matching++;
      }
    }
  }
  const inputs = calls.filter((call) => call.status === 200).flatMap((call) => call.inputs);
  const distinctInputs = new Set(inputs).size;
  const [{ unprocessed }] = await sql<{ unprocessed: number }[]>`
    select count(*)::int as unprocessed from pgrag.documents
     where tenant_id = ${tenantId} and status <> 'processed'`;
  return {
    chunks,
    matching,
    inputsSent: inputs.length,
    distinctInputs,
    unprocessedDocuments: unprocessed,
    ok: matching === chunks && inputs.length === chunks && distinctInputs === chunks &&
      unprocessed === 0,
  };
}

/** pgvector prints each float4 so that it parses back to the same float4: compare exactly. */
function equalsStandIn(stored: string, content: string, dimensions: number): boolean {
  const values = stored.slice(1, -1).split(",");
  const expected = standInVector(content, dimensions);
  if (values.length !== expected.length) return false;
  return values.every((value, i) => Math.fround(Number(value)) === expected[i]);
}
