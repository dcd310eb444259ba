/**
 * The embedding stand-in (tests/support/embedding-stand-in.ts) on a thread of its own
 * (stand-in-thread.ts), with a per-call latency fixed at start and its record of calls fetched
 * when the cell is over.
 */
export type ThreadRequest =
  | { kind: "start"; dimensions: number; latencyMs: number }
  | { kind: "calls" }
  | { kind: "close" };

export type ThreadReply =
  | { kind: "started"; url: string }
  | { kind: "calls"; calls: ReceivedCall[] }
  | { kind: "closed" };

export interface ReceivedCall {
  readonly inputs: string[];
  readonly status: number;
}

export interface ThreadedStandIn {
  /** The base URL for the openai provider, ending in `/v1`. */
  readonly url: string;
  /** Every call it received, in arrival order. */
  calls(): Promise<ReceivedCall[]>;
  close(): Promise<void>;
}

const REPLY_TIMEOUT_MS = 30_000;

export async function startThreadedStandIn(
  dimensions: number,
  latencyMs: number,
): Promise<ThreadedStandIn> {
  const thread = new Worker(new URL("./stand-in-thread.ts", import.meta.url), { type: "module" });
  let waiting: { kind: ThreadReply["kind"]; settle: (reply: ThreadReply | Error) => void } | null =
    null;
  thread.onmessage = ({ data }: MessageEvent<ThreadReply>) => {
    if (waiting?.kind === data.kind) waiting.settle(data);
  };
  thread.onerror = (event) => {
    event.preventDefault();
    waiting?.settle(new Error(`the stand-in thread failed: ${event.message}`));
  };
  // One request at a time: each is answered before the next is sent.
  const ask = <K extends ThreadReply["kind"]>(request: ThreadRequest, kind: K) =>
    new Promise<Extract<ThreadReply, { kind: K }>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle(new Error(`the stand-in thread sent no ${kind} within ${REPLY_TIMEOUT_MS} ms`)),
        REPLY_TIMEOUT_MS,
      );
      function settle(reply: ThreadReply | Error) {
        clearTimeout(timer);
        waiting = null;
        if (reply instanceof Error) reject(reply);
        else resolve(reply as Extract<ThreadReply, { kind: K }>);
      }
      waiting = { kind, settle };
      thread.postMessage(request);
    });

  let started;
  try {
    started = await ask({ kind: "start", dimensions, latencyMs }, "started");
  } catch (error) {
    thread.terminate();
    throw error;
  }
  return {
    url: started.url,
    calls: async () => (await ask({ kind: "calls" }, "calls")).calls,
    async close() {
      try {
        await ask({ kind: "close" }, "closed");
      } finally {
        thread.terminate();
      }
    },
  };
}
