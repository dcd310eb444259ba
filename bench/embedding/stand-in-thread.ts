/**
 * The worker script of threaded-stand-in.ts: the test suite's OpenAI-compatible stand-in, served
 * from a thread of its own, so hashing texts into vectors and encoding answers does not share
 * the event loop of the embedding worker being measured, as a remote provider would not.
 */
import {
  type EmbeddingStandIn,
  startEmbeddingStandIn,
} from "../../tests/support/embedding-stand-in.ts";
import type { ThreadReply, ThreadRequest } from "./threaded-stand-in.ts";

// The worker global scope, typed for what this script uses: the project's types are the
// window's, and a worker lib reference would clash with them under `deno check bench`.
const thread = self as unknown as {
  onmessage: ((event: MessageEvent<ThreadRequest>) => void) | null;
  postMessage(message: ThreadReply): void;
  close(): void;
};

let standIn: EmbeddingStandIn | undefined;

thread.onmessage = async ({ data }) => {
  switch (data.kind) {
    case "start":
      standIn = startEmbeddingStandIn({ dimensions: data.dimensions });
      standIn.latencyMs = data.latencyMs;
      thread.postMessage({ kind: "started", url: standIn.url });
      return;
    case "calls":
      thread.postMessage({
        kind: "calls",
        calls: (standIn?.calls ?? []).map(({ inputs, status }) => ({ inputs, status })),
      });
      return;
    case "close":
      await standIn?.close();
      thread.postMessage({ kind: "closed" });
      thread.close();
  }
};
