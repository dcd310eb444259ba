import type { Database } from "../../shared/db/database.ts";
import { currentDriver, openTestDatabase, testServer } from "./database.ts";
import { createScratchDatabase } from "./server.ts";

export interface FreshDatabase {
  first: Database;
  /** A second handle on the same database: its own connections where the driver has them. */
  second: Database;
  done(): Promise<void>;
}

/** An empty, unmigrated database of the current driver, dropped by `done`. */
export async function freshDatabase(prefix = "pgrag_fresh"): Promise<FreshDatabase> {
  if (currentDriver() === "pglite") {
    const { db, close } = await openTestDatabase({ migrate: false });
    return { first: db, second: db, done: close };
  }
  const scratch = await createScratchDatabase(testServer(), prefix);
  const first = await openTestDatabase({ url: scratch.url, migrate: false });
  const second = await openTestDatabase({ url: scratch.url, migrate: false });
  return {
    first: first.db,
    second: second.db,
    async done() {
      await first.close();
      await second.close();
      await scratch.drop();
    },
  };
}
