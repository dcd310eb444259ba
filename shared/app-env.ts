import type { Context } from "hono";
import type { TokenVerifier } from "./auth/jwt.ts";
import type { RequestAudit } from "./http/audit.ts";
import type { RequestDeadline } from "./http/deadline.ts";
import type { JsonBody } from "./http/json-body-parser.ts";
import type { RequestDatabase } from "./http/request-database.ts";
import type { VerifiedKeys } from "./http/verified-keys.ts";

/** The variables every route can read from its context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    db: RequestDatabase;
    /** The request's deadline: every database run of the request is bounded by it. */
    deadline: RequestDeadline;
    /** Verifies bearer JWTs on tenant routes; null when no JWT source is configured. */
    tokenVerifier: TokenVerifier | null;
    /** API keys the early check accepted a moment ago (see shared/http/verified-keys.ts). */
    verifiedKeys: VerifiedKeys;
    /** Who the client is, for audit rows (see shared/http/client-address.ts). */
    clientAddress: (c: Pick<Context, "req" | "env">) => string | null;
    /**
     * On a tenant route: refuses (401, 403) a credential the database does not accept at the
     * route's level, at once for a key accepted a moment ago (see shared/http/verified-keys.ts).
     */
    verifyCredential?: () => Promise<void>;
    /** The request's JSON body, when it has one; read only once its credentials passed. */
    body?: JsonBody;
    /**
     * On an audited tenant route, once its credential is read: the error funnel records a
     * refused request through it (see shared/http/tenant-access.ts).
     */
    audit?: RequestAudit;
  };
}
