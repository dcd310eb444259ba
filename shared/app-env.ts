import type { TokenVerifier } from "./auth/jwt.ts";
import type { RequestAudit } from "./http/audit.ts";
import type { RequestDeadline } from "./http/deadline.ts";
import type { RequestDatabase } from "./http/request-database.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
    /** The request's deadline: every database run of the request is bounded by it. */
    deadline: RequestDeadline;
    /** Verifies bearer JWTs on tenant routes; null when no JWT source is configured. */
    tokenVerifier: TokenVerifier | null;
    /**
     * On an audited tenant route, once its credential is read: the error funnel records a
     * refused request through it (see shared/http/tenant-access.ts).
     */
    audit?: RequestAudit;
  };
}
