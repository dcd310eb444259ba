import type { RequestDatabase } from "./http/request-database.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
    /** SHA-256 (hex) of the request's API key, on tenant routes. */
    apiKeyHash: string;
  };
}
