import type { RequestDeadline } from "./http/deadline.ts";
import type { RequestDatabase } from "./http/request-database.ts";
import type { Credential } from "./http/tenant.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
    /** The request's deadline: every database run of the request is bounded by it. */
    deadline: RequestDeadline;
    /** The request's API key (hashed) or verified token, on tenant routes. */
    credential: Credential;
  };
}
