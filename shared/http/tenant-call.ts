import type { AccessLevel, Statement } from "../db/database.ts";
import { DatabaseError } from "../db/errors.ts";
import type { AuditAction, RequestAudit } from "./audit.ts";
import { actorOf, type Credential, credentialScope } from "./credentials.ts";
import { Problem } from "./problem.ts";
import type { RequestDatabase } from "./request-database.ts";

export interface CallOptions {
  /** Statements that run first, in the same transaction; their rows are not returned. */
  before?: readonly Statement[];
  /**
   * The detail of the 404 answered when the value is null, 0, false or JSON null: the item the
   * route names does not exist. PostgreSQL judges it, so that the audit row committed with the
   * call records the same outcome as the response.
   */
  notFound?: string;
}

/** What a tenant route's handler sees as `c.var.tenant`: its calls, bound to its declaration. */
export interface TenantCalls {
  /** Who acts, as the audit and cost records name them; null lets the database name the key. */
  readonly actor: string | null;
  /**
   * Who the credential is, as a key for what may be remembered per caller (query embeddings):
   * the API key's hash, or the token's tenant.
   */
  readonly principal: string;
  /**
   * Calls one pgrag SQL function (`fn`, e.g. `pgrag.delete_entity($1)`) in the tenant's scope at
   * the route's access level and returns its value: each tenant route is this one statement in
   * its authenticated transaction, after the route's budget check and with its audit row.
   * Arrays and objects cross as JSON text (`$1::text::json`), booleans as text
   * (`$2::text::boolean`): declared `text`, every driver passes the string through untouched,
   * where typed parameters are serialized differently by each (postgres.js would encode a
   * string for a `json` parameter a second time).
   */
  call<T>(fn: string, params?: readonly unknown[], options?: CallOptions): Promise<T>;
}

/** What a tenant route declared, as its calls need it. */
export interface CallDeclaration {
  access: AccessLevel;
  /** The action its audit row records, or false for a route that only reads. */
  audit: AuditAction | false;
  enforceBudget: boolean;
}

/**
 * The routes whose transaction may run again when its connection was lost after COMMIT was sent
 * (shared/db/retry.ts), because running it twice leaves the rows running it once does: reads
 * change nothing, upserts write with ON CONFLICT and skip unchanged rows, updates set values.
 * What a repeat can change is the answer's wording (`created: false` for a row the first run
 * created) and, since the audit row commits with the call, a second audit row for the request.
 * Not deletes, whose repeat answers 404 for what the first deleted, nor usage records, whose
 * repeat would count the usage twice.
 */
/** What the credential check in a call's scope raises (see sqlstate.ts). */
const CREDENTIAL_REFUSED: ReadonlySet<string> = new Set(["PR401", "PR403", "PR423"]);

const REPEATABLE: ReadonlySet<AuditAction | false> = new Set([false, "search", "upsert", "update"]);

export function tenantCalls(
  db: RequestDatabase,
  credential: Credential,
  route: CallDeclaration,
  audit: RequestAudit | null,
  /** Told once a call's transaction has run: the database has accepted the credential. */
  onAuthenticated: () => void = () => {},
): TenantCalls {
  const scope = credentialScope(credential, route.access);
  return {
    actor: actorOf(credential),
    principal: credential.kind === "api_key"
      ? `key:${credential.hash}`
      : `tenant:${credential.tenantId}`,
    async call<T>(fn: string, params: readonly unknown[] = [], options: CallOptions = {}) {
      // The drivers disagree on typed parameters (see `call`): refuse one here, on every driver,
      // instead of letting a single driver's tests find it.
      const typed = params.findIndex((param) => typeof param === "boolean");
      if (typed >= 0) {
        throw new TypeError(`${fn}: parameter $${typed + 1} is a boolean; pass it as text`);
      }
      // A route that called twice would otherwise write two rows for one request.
      const audited = audit && !audit.recorded ? audit : null;
      const notFound = options.notFound ?? null;
      const statements = [...(options.before ?? [])];
      // A statement of its own: in the call's, PostgreSQL may skip a stable function whose value
      // nothing reads. Parameterless, it travels with BEGIN where the driver pipelines.
      if (route.enforceBudget) statements.unshift({ text: "select pgrag.enforce_budget()" });
      statements.push(callStatement(fn, params, notFound, audited));
      const rows = await db.run(scope, statements, { idempotent: REPEATABLE.has(route.audit) })
        .catch((error) => {
          // Refused by the statements, not by the credential check that runs before them.
          if (error instanceof DatabaseError && !CREDENTIAL_REFUSED.has(error.sqlstate)) {
            onAuthenticated();
          }
          throw error;
        });
      onAuthenticated();
      audited?.committed();
      const [row] = rows[rows.length - 1];
      if (!row.found) throw new Problem("not_found", notFound!);
      return row.result as T;
    },
  };
}

// Whether the item a route names exists, judged on its value: what the handlers' `if (!value)`
// checked, now that the audit row in the same statement must know it too.
const FOUND = "coalesce(to_jsonb(result) not in ('0', 'false', 'null'), false)";

/**
 * The call, whether its item was found and the audit row, as one statement. `offset 0` keeps
 * the call in a subquery of its own, which PostgreSQL evaluates once, before the audit row that
 * reads its outcome (pulled up, a stable function would be evaluated again for every reference).
 * One statement rather than two saves round trips on every driver that does not send a
 * transaction at once.
 */
function callStatement(
  fn: string,
  params: readonly unknown[],
  notFound: string | null,
  audit: RequestAudit | null,
): Statement {
  if (notFound === null && !audit) return { text: `select ${fn} as result, true as found`, params };
  const text = `select result, ${notFound === null ? "true" : FOUND} as found ` +
    `from (select ${fn} as result offset 0) call`;
  if (!audit) return { text, params };
  const row = audit.recordAuditSql(params.length, "outcome.found", notFound);
  return {
    text: `select result, found from (${text}) outcome, lateral (select ${row.sql}) audit`,
    params: [...params, ...row.params],
  };
}
