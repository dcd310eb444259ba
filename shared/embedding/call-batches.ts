/** A run of consecutive texts sent in one provider call. */
export interface CallBatch {
  /** Index of the batch's first text. */
  start: number;
  /** Index just past its last text. */
  end: number;
  /** The batch's tokens by the local count. */
  tokens: number;
}

/**
 * Cuts texts, given their token counts, into consecutive batches of at most `maxInputs` texts and
 * `maxTokens` tokens. A text longer than `maxTokens` on its own still gets a batch of its own: the
 * provider, not this split, decides whether it is too long, and says so with a refusal.
 */
export function splitIntoCallBatches(
  tokenCounts: readonly number[],
  maxInputs: number,
  maxTokens: number,
): CallBatch[] {
  const batches: CallBatch[] = [];
  let current: CallBatch | undefined;
  tokenCounts.forEach((tokens, index) => {
    const fits = current !== undefined && current.end - current.start < maxInputs &&
      current.tokens + tokens <= maxTokens;
    if (fits) {
      current!.end = index + 1;
      current!.tokens += tokens;
    } else {
      current = { start: index, end: index + 1, tokens };
      batches.push(current);
    }
  });
  return batches;
}
