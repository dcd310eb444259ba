import type { RequestDatabase } from "./http/request-database.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
  };
}
