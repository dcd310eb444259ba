import type {
  ListKeyOptions,
  RecordManagerInterface,
  UpdateOptions,
} from "@langchain/core/indexing";

/**
 * LangChain's record manager kept in memory, for `index()` in tests (LangChain.js ships only the
 * interface and database-backed ones). Time is a counter, so "updated before this run" is exact.
 */
export class MemoryRecordManager implements RecordManagerInterface {
  readonly #records = new Map<string, { updatedAt: number; groupId: string | null }>();
  #clock = 0;

  createSchema(): Promise<void> {
    return Promise.resolve();
  }

  getTime(): Promise<number> {
    return Promise.resolve(++this.#clock);
  }

  update(keys: string[], options: UpdateOptions = {}): Promise<void> {
    const now = Math.max(++this.#clock, options.timeAtLeast ?? 0);
    keys.forEach((key, i) =>
      this.#records.set(key, { updatedAt: now, groupId: options.groupIds?.[i] ?? null })
    );
    return Promise.resolve();
  }

  exists(keys: string[]): Promise<boolean[]> {
    return Promise.resolve(keys.map((key) => this.#records.has(key)));
  }

  listKeys(options: ListKeyOptions = {}): Promise<string[]> {
    const keys = [...this.#records].filter(([, record]) =>
      (options.before === undefined || record.updatedAt < options.before) &&
      (options.after === undefined || record.updatedAt > options.after) &&
      (options.groupIds === undefined || options.groupIds.includes(record.groupId))
    ).map(([key]) => key);
    return Promise.resolve(options.limit === undefined ? keys : keys.slice(0, options.limit));
  }

  deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) this.#records.delete(key);
    return Promise.resolve();
  }
}
