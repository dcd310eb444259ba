import type { TokenVerifier } from "./auth/jwt.ts";
import type { RequestAudit } from "./http/audit.ts";
import type { RequestDatabase } from "./http/request-database.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
    /** Verifies bearer JWTs on tenant routes; null when no JWT source is configured. */
    tokenVerifier: TokenVerifier | null;
    /**
     * On an audited tenant route, once its credential is read: the error funnel records a
     * refused request through it (see shared/http/tenant-access.ts).
     */
    audit?: RequestAudit;
  };
}
