import type { CallbackManagerForRetrieverRun } from "@langchain/core/callbacks/manager";
import type { DocumentInterface } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInput } from "@langchain/core/retrievers";
import type { PgragFilter, PgragVectorStore } from "./vector-store.ts";

export interface PgragHybridRetrieverInput extends BaseRetrieverInput {
  vectorStore: PgragVectorStore;
  /** Results to return (pgrag's `top_k`). */
  k?: number;
  filter?: PgragFilter;
  /** Weights of the keyword and vector arms in the fusion (pgrag's defaults: 1 and 1). */
  fullTextWeight?: number;
  semanticWeight?: number;
}

/**
 * Retrieves with pgrag's hybrid search: BM25 on the text and HNSW on its embedding, fused by
 * reciprocal rank in the database, so exact terms (gene names, ids) and paraphrases both find
 * their chunks, which neither arm does alone.
 */
export class PgragHybridRetriever extends BaseRetriever {
  static override lc_name() {
    return "PgragHybridRetriever";
  }
  lc_namespace = ["pgrag", "retrievers"];
  readonly vectorStore: PgragVectorStore;
  readonly k: number;
  readonly filter?: PgragFilter;
  readonly weights: { fullTextWeight?: number; semanticWeight?: number };

  constructor(fields: PgragHybridRetrieverInput) {
    super(fields);
    this.vectorStore = fields.vectorStore;
    this.k = fields.k ?? 4;
    this.filter = fields.filter;
    this.weights = { fullTextWeight: fields.fullTextWeight, semanticWeight: fields.semanticWeight };
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<DocumentInterface[]> {
    const scored = await this.vectorStore.hybridSearchWithScore(
      query,
      this.k,
      this.filter,
      this.weights,
    );
    return scored.map(([document]) => document);
  }
}
