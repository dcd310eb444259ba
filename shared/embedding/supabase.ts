import { cl100k } from "../text/chunking.ts";
import { type EmbeddingProvider, type Embeddings, EmbeddingUnavailable } from "./provider.ts";

/** The part of the Edge Runtime's `Supabase.ai` API this provider uses. */
interface AiSession {
  run(input: string, options: { mean_pool: boolean; normalize: boolean }): Promise<unknown>;
}
type AiSessionConstructor = new (model: string) => AiSession;

const MODEL = "gte-small";
const DIMENSIONS = 384;

/**
 * An embedding provider on the model that Supabase's Edge Runtime runs inside the function
 * itself (gte-small, 384 dimensions): no key, no network, no per-token bill. Vectors are
 * mean-pooled and normalized, as cosine distance expects.
 */
export function createSupabaseProvider(): EmbeddingProvider {
  const runtime = globalThis as { Supabase?: { ai?: { Session?: AiSessionConstructor } } };
  const Session = runtime.Supabase?.ai?.Session;
  if (typeof Session !== "function") {
    throw new Error(
      "the supabase provider runs only on Supabase's Edge Runtime (Supabase.ai.Session is " +
        "missing here); choose the openai or local provider elsewhere",
    );
  }
  const session = new Session(MODEL);
  return {
    name: "supabase",
    model: MODEL,
    dimensions: DIMENSIONS,
    async embed(texts, options = {}): Promise<Embeddings> {
      // gte-small reads WordPiece tokens, not cl100k's; the ledger counts every provider in the
      // same unit all the same, and this deployment already loads cl100k to chunk documents.
      const tokenizer = texts.length > 0 ? await cl100k() : undefined;
      const vectors: Float32Array[] = [];
      let tokens = 0;
      // The session takes one text per run; running them one after another keeps a single
      // inference at a time in an isolate that has little memory to spare.
      for (const text of texts) {
        options.signal?.throwIfAborted();
        vectors.push(await embedOne(session, text));
        tokens += tokenizer!.encode(text, [], []).length;
      }
      return { vectors, tokens, calls: texts.length };
    },
  };
}

async function embedOne(session: AiSession, text: string): Promise<Float32Array> {
  let output: unknown;
  try {
    output = await session.run(text, { mean_pool: true, normalize: true });
  } catch (error) {
    throw new EmbeddingUnavailable(
      `the Edge Runtime's ${MODEL} failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (!isVector(output)) {
    throw new EmbeddingUnavailable(
      `the Edge Runtime's ${MODEL} returned no ${DIMENSIONS}-value vector`,
    );
  }
  return Float32Array.from(output);
}

function isVector(output: unknown): output is ArrayLike<number> {
  return (Array.isArray(output) || output instanceof Float32Array) &&
    output.length === DIMENSIONS &&
    Array.prototype.every.call(output, (value) => typeof value === "number");
}
