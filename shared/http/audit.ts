import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { logError } from "../log.ts";
import { actorOf, type Credential, credentialScope } from "./credentials.ts";
import type { Problem } from "./problem.ts";

/** What an audit row says was done; `GET /audit?action=` filters by these. */
export const AUDIT_ACTIONS = ["search", "upsert", "update", "delete", "record"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** An audited route, as its declaration names it. */
export interface AuditedRoute {
  action: AuditAction;
  /** The route's path in Hono's form (`/documents/:id`), as audit rows name it. */
  resource: string;
  /** What the route answers when it succeeds. */
  successStatus: number;
}

/**
 * Refusals without an audit row. The first three cannot be attributed to a tenant. The database
 * failed the other two (no connection was free, none answered, or the deadline passed): the row
 * would go to that same database, where under overload it is one more refused request (and a
 * logged failure) for each refusal, and past the deadline it would hold the answer back further.
 * The request log records them (`request_failed`, `request_abandoned`).
 */
const UNRECORDED: readonly string[] = [
  "unauthenticated",
  "tenant_suspended",
  "schema_not_ready",
  "unavailable",
  "timeout",
];

/**
 * The audit row of one request to an audited tenant route: who (the API key or the token's
 * subject), what (action, route, path parameter), outcome (status, the problem's detail), how
 * long, and request details without any document text. Exactly one row per request: either
 * inside the route's own statement, so it commits with the write or not at all
 * (`recordAuditSql`), or, for a request that was refused, from the error funnel in a transaction of
 * its own, since the route's rolled back (`recordRefusal`).
 */
export class RequestAudit {
  #recorded = false;

  constructor(
    private readonly c: Pick<Context<AppEnv>, "req" | "var" | "env">,
    private readonly route: AuditedRoute,
    private readonly credential: Credential,
    /** When the request reached the route, for the row's duration. */
    private readonly started: number,
  ) {}

  /** True once the row is written, or has been handed to a statement that committed. */
  get recorded(): boolean {
    return this.#recorded;
  }

  /** Marks the row as committed with the route's statement. */
  committed(): void {
    this.#recorded = true;
  }

  /**
   * The call of `pgrag.record_audit` that goes into the route's own statement, its parameters
   * numbered after the route's first `taken` ones. `found` is a SQL boolean over the route's
   * value: where it is false the route answers 404 with `notFound` as the detail, and the row
   * records that refusal instead of the success.
   */
  recordAuditSql(taken: number, found: string, notFound: string | null) {
    const n = (i: number) => `$${taken + i}`;
    const sql = `pgrag.record_audit(${n(1)}::text, ${n(2)}::text, ${n(3)}::text, ` +
      `${n(4)}::text, ${found}, case when ${found} then null else ${n(5)}::text end, ` +
      `${n(6)}::integer, (${n(7)}::text::jsonb || case when ${found} then '{}'::jsonb ` +
      `else '{"status": 404, "problem": "not_found"}'::jsonb end)::json, ${n(8)}::text, ` +
      `${n(9)}::text)`;
    const row = this.#row({ status: this.route.successStatus });
    return {
      sql,
      params: [...row.who, notFound, row.duration, row.details, ...row.client],
    };
  }

  /**
   * Records a request the route refused, unless it cannot be attributed (a 401, a suspended
   * tenant, a database without pgrag's schema), the database itself failed it, or its row is
   * already written. A failed write is logged, never turned into another error: the client gets
   * the refusal it earned.
   */
  async recordRefusal(problem: Problem): Promise<void> {
    if (this.#recorded || UNRECORDED.includes(problem.code)) return;
    this.#recorded = true;
    try {
      const row = this.#row({ status: problem.status, problem });
      // The lowest level: a reader refused a write is still a key of the tenant.
      await this.c.var.db.run(credentialScope(this.credential, "reader"), [{
        text: "select pgrag.record_audit($1::text, $2::text, $3::text, $4::text, false, " +
          "$5::text, $6::integer, $7::text::json, $8::text, $9::text)",
        params: [
          ...row.who,
          clip(problem.detail, COLUMN_LIMITS.error_message),
          row.duration,
          row.details,
          ...row.client,
        ],
      }]);
    } catch (error) {
      logError("audit_failed", {
        request_id: this.c.var.requestId,
        route: this.route.resource,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** The row's values, its duration measured up to now. */
  #row(outcome: { status: number; problem?: Problem }) {
    const c = this.c;
    const values = Object.values(c.req.param() as Record<string, string>);
    const actor = actorOf(this.credential);
    const userAgent = c.req.header("user-agent");
    return {
      who: [
        actor === null ? null : clip(actor, COLUMN_LIMITS.user_id),
        this.route.action,
        this.route.resource,
        values.length > 0 ? clip(values.join("/"), COLUMN_LIMITS.resource_id) : null,
      ],
      duration: Math.round(performance.now() - this.started),
      details: JSON.stringify(this.#details(outcome)),
      client: [
        c.var.clientAddress?.(c) ?? null,
        userAgent === undefined ? null : clip(userAgent, COLUMN_LIMITS.user_agent),
      ],
    };
  }

  /** The request's shape, never its text: how many items each batch field held, search knobs. */
  #details(outcome: { status: number; problem?: Problem }) {
    const c = this.c;
    const details: Record<string, unknown> = {
      method: c.req.method,
      route: this.route.resource,
      status: outcome.status,
      request_id: c.var.requestId,
    };
    if (outcome.problem) details.problem = outcome.problem.code;
    // The body if it was read (a request refused before its body was read has none to show).
    const body = c.var.body?.peek();
    if (body && typeof body === "object" && !Array.isArray(body)) {
      // The routes' bodies have a handful of fields; a refused one may have thousands.
      for (const [field, value] of Object.entries(body).slice(0, 16)) {
        if (Array.isArray(value) && isKnob(field)) details[`${field}_count`] = value.length;
        else if (KNOBS.has(field) && isKnob(value)) details[field] = value;
      }
    }
    return details;
  }
}

const KNOBS = new Set(["top_k", "mode", "group_by"]);

/**
 * What of a body an audit row may repeat: short strings and finite numbers. Anything else, in a
 * body that may be refused for being malformed, could fail the row's own checks (a NUL, a
 * non-finite number, a megabyte of text) and lose the record.
 */
function isKnob(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value === "string" && value.length <= 64 && /^[\w.-]*$/.test(value);
}

/** The length checks of `pgrag.audit_logs`' columns, in characters. */
const COLUMN_LIMITS = { user_id: 300, resource_id: 300, error_message: 2000, user_agent: 500 };

/**
 * Text cut to a column's limit in characters (PostgreSQL's `length`), made storable: a refused
 * request is recorded whatever its path parameter or user agent, rather than its row failing.
 */
function clip(text: string, limit: number): string {
  const storable = text.replaceAll("\u0000", "\ufffd").toWellFormed();
  if (storable.length <= limit) return storable;
  const characters = Array.from(storable.slice(0, 2 * limit)).slice(0, limit);
  return characters.join("");
}
