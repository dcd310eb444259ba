/**
 * BEIR's retrieval metrics for one ranked list against binary judgements, and their means.
 * nDCG@10 is the headline: DCG with gain 1 per relevant document discounted by log2(rank + 1),
 * divided by the DCG of a perfect list (the relevant documents first, at most 10 of them).
 */

export interface QueryScores {
  readonly ndcg10: number;
  readonly recall100: number;
  readonly mrr10: number;
}

export function scoreRanking(
  ranking: readonly string[],
  relevant: ReadonlySet<string>,
): QueryScores {
  let dcg = 0;
  let firstRelevantRank = 0;
  let found = 0;
  for (const [index, id] of ranking.slice(0, 100).entries()) {
    if (!relevant.has(id)) continue;
    const rank = index + 1;
    found++;
    if (rank <= 10) {
      dcg += 1 / Math.log2(rank + 1);
      if (firstRelevantRank === 0) firstRelevantRank = rank;
    }
  }
  let idealDcg = 0;
  for (let rank = 1; rank <= Math.min(relevant.size, 10); rank++) {
    idealDcg += 1 / Math.log2(rank + 1);
  }
  return {
    ndcg10: idealDcg === 0 ? 0 : dcg / idealDcg,
    recall100: relevant.size === 0 ? 0 : found / relevant.size,
    mrr10: firstRelevantRank === 0 ? 0 : 1 / firstRelevantRank,
  };
}

export function meanScores(scores: readonly QueryScores[]): QueryScores {
  const mean = (pick: (s: QueryScores) => number) =>
    scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + pick(s), 0) / scores.length;
  return {
    ndcg10: mean((s) => s.ndcg10),
    recall100: mean((s) => s.recall100),
    mrr10: mean((s) => s.mrr10),
  };
}
