/**
 * pgrag for LangChain.js: a vector store and a hybrid retriever over pgrag's HTTP API.
 *
 * ```ts
 * const store = new PgragVectorStore(embeddings, {
 *   client: { baseUrl: "http://localhost:8000/rag/v1", apiKey: Deno.env.get("PGRAG_API_KEY") },
 * });
 * await store.addDocuments([new Document({ pageContent: "…", metadata: { lang: "en" } })]);
 * const hits = await store.similaritySearch("what pulls the tides?", 4, { lang: "en" });
 * ```
 */
export { type PgragFilter, PgragVectorStore, type PgragVectorStoreArgs } from "./vector-store.ts";
export { PgragHybridRetriever, type PgragHybridRetrieverInput } from "./hybrid-retriever.ts";
export { PgragError } from "./answers.ts";
