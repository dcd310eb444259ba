/** Raised for a refusal from pgrag; carries its problem document (`code`, `detail`, `errors`). */
export class PgragError extends Error {
  override readonly name = "PgragError";
  constructor(readonly status: number, readonly problem: Record<string, unknown>) {
    super(`pgrag answered ${status}: ${problem.detail ?? problem.title ?? "no detail"}`);
  }
}

/** The answer's data, or a PgragError for a refusal: a LangChain caller gets an exception. */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.error !== undefined || answer.data === undefined) {
    throw new PgragError(answer.response.status, (answer.error ?? {}) as Record<string, unknown>);
  }
  return answer.data;
}
