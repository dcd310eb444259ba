import { Document, type DocumentInterface } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { VectorStore } from "@langchain/core/vectorstores";
import { createPgragClient, type PgragClient, type PgragClientOptions } from "../typescript/mod.ts";
import { unwrap } from "./answers.ts";

/** pgrag's metadata filter: jsonb containment on the chunk's metadata (`{ lang: "en" }`). */
export type PgragFilter = Record<string, unknown>;

export interface PgragVectorStoreArgs {
  /** A client made with `createPgragClient`, or the options to make one. */
  client: PgragClient | PgragClientOptions;
  /**
   * Documents sent per request (and ids per delete or get): 100 by default, at most 1000, pgrag's
   * batch limit. Each request is one transaction, so a batch is stored whole or not at all; larger
   * batches save round trips but hold a request open longer (mind the request deadline).
   */
  batchSize?: number;
}

/**
 * A LangChain.js vector store on pgrag's HTTP API. Each LangChain document is one pgrag document
 * holding one chunk with the same id, content, metadata and embedding, so ids map one to one,
 * adding again by id overwrites (pgrag upserts), and the metadata filter applies to what search
 * ranks. The tenant comes from the client's credentials; no SQL crosses this class.
 */
export class PgragVectorStore extends VectorStore {
  declare FilterType: PgragFilter;
  readonly client: PgragClient;
  readonly batchSize: number;

  constructor(embeddings: EmbeddingsInterface, args: PgragVectorStoreArgs) {
    super(embeddings, args);
    this.client = "GET" in args.client ? args.client : createPgragClient(args.client);
    this.batchSize = Math.max(1, Math.min(args.batchSize ?? 100, 1000));
  }

  _vectorstoreType(): string {
    return "pgrag";
  }

  override async addDocuments(
    documents: DocumentInterface[],
    options?: { ids?: string[] },
  ): Promise<string[]> {
    const vectors = await this.embeddings.embedDocuments(documents.map((d) => d.pageContent));
    return await this.addVectors(vectors, documents, options);
  }

  override async addVectors(
    vectors: number[][],
    documents: DocumentInterface[],
    options?: { ids?: string[] },
  ): Promise<string[]> {
    if (vectors.length !== documents.length) {
      throw new Error(`${vectors.length} vectors for ${documents.length} documents`);
    }
    const ids = documents.map((document, i) =>
      options?.ids?.[i] ?? document.id ?? crypto.randomUUID()
    );
    for (let start = 0; start < documents.length; start += this.batchSize) {
      const batch = documents.slice(start, start + this.batchSize).map((document, offset) => {
        const i = start + offset;
        const metadata = { ...document.metadata };
        return {
          id: ids[i],
          content: document.pageContent,
          metadata,
          chunks: [{
            id: ids[i],
            content: document.pageContent,
            chunk_index: 0,
            embedding: vectors[i],
            metadata,
          }],
        };
      });
      unwrap(await this.client.POST("/documents", { body: { documents: batch } }));
    }
    return ids;
  }

  override async similaritySearchVectorWithScore(
    query: number[],
    k: number,
    filter?: PgragFilter,
  ): Promise<[DocumentInterface, number][]> {
    const answer = await this.client.POST("/search", {
      body: {
        embedding: query,
        mode: "vector",
        top_k: k,
        ...(filter ? { filter: { metadata: filter } } : {}),
      },
    });
    return unwrap(answer).results.map((result) => [
      toDocument(result.document_id, result.content, result.metadata),
      result.similarity ?? 0,
    ]);
  }

  /** Deletes documents by id; ids that are not stored are ignored. */
  override async delete(params?: { ids?: string[] }): Promise<void> {
    const ids = params?.ids ?? [];
    for (let start = 0; start < ids.length; start += this.batchSize) {
      const batch = ids.slice(start, start + this.batchSize);
      unwrap(await this.client.POST("/documents/delete", { body: { ids: batch } }));
    }
  }

  /** The stored documents with these ids, in their order; ids not stored are skipped. */
  async getByIds(ids: string[]): Promise<DocumentInterface[]> {
    const found: DocumentInterface[] = [];
    for (let start = 0; start < ids.length; start += this.batchSize) {
      const batch = ids.slice(start, start + this.batchSize);
      const answer = unwrap(await this.client.POST("/documents/get", { body: { ids: batch } }));
      for (const item of answer.items) {
        if (item) found.push(toDocument(item.id, item.content, item.metadata));
      }
    }
    return found;
  }

  static override async fromTexts(
    texts: string[],
    metadatas: object[] | object,
    embeddings: EmbeddingsInterface,
    args: PgragVectorStoreArgs,
  ): Promise<PgragVectorStore> {
    const documents = texts.map((text, i) =>
      new Document({
        pageContent: text,
        metadata: Array.isArray(metadatas) ? metadatas[i] ?? {} : metadatas,
      })
    );
    return await PgragVectorStore.fromDocuments(documents, embeddings, args);
  }

  static override async fromDocuments(
    documents: DocumentInterface[],
    embeddings: EmbeddingsInterface,
    args: PgragVectorStoreArgs,
  ): Promise<PgragVectorStore> {
    const store = new PgragVectorStore(embeddings, args);
    await store.addDocuments(documents);
    return store;
  }

  /** Hybrid search: the text for the keyword arm and its embedding for the vector arm. */
  async hybridSearchWithScore(
    query: string,
    k: number,
    filter?: PgragFilter,
    weights: { fullTextWeight?: number; semanticWeight?: number } = {},
  ): Promise<[DocumentInterface, number][]> {
    const embedding = await this.embeddings.embedQuery(query);
    const answer = await this.client.POST("/search", {
      body: {
        query,
        embedding,
        mode: "hybrid",
        top_k: k,
        ...(weights.fullTextWeight === undefined
          ? {}
          : { full_text_weight: weights.fullTextWeight }),
        ...(weights.semanticWeight === undefined
          ? {}
          : { semantic_weight: weights.semanticWeight }),
        ...(filter ? { filter: { metadata: filter } } : {}),
      },
    });
    return unwrap(answer).results.map((result) => [
      toDocument(result.document_id, result.content, result.metadata),
      result.score,
    ]);
  }
}

function toDocument(id: string, content: string, metadata: Record<string, unknown>) {
  return new Document({ id, pageContent: content, metadata: { ...metadata } });
}
