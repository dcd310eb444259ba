import type { Operation } from "./operations.ts";
import type { FuzzRequest } from "./requests.ts";

/** What came back, read once. */
export interface Outcome {
  status: number;
  contentType: string;
  text: string;
  /** The audit rows left under the answer's request id. */
  auditRows: number;
}

/**
 * Past this a reply to a refused request is out of proportion: a problem document names each
 * offending field once, so it may echo the request, not grow beyond it.
 */
const REPLY_ALLOWANCE = 16 * 1024;

/** What is wrong with the answer to a request, as lines naming the rule it breaks. */
export function violations(op: Operation, request: FuzzRequest, outcome: Outcome): string[] {
  const found: string[] = [];
  const { status } = outcome;
  if (status >= 500) found.push(`answered ${status}: ${outcome.text.slice(0, 300)}`);
  if (status >= 400 && status < 500) found.push(...problemViolations(outcome));
  if (status >= 400 && outcome.text.length > REPLY_ALLOWANCE + 2 * (request.body?.length ?? 0)) {
    found.push(`a refusal of ${outcome.text.length} characters`);
  }
  found.push(...credentialViolations(request, outcome));
  const rows = expectedAuditRows(op, request, outcome);
  if (outcome.auditRows !== rows) found.push(`${outcome.auditRows} audit rows, expected ${rows}`);
  return found;
}

/**
 * Refusals that are not the route's: before it runs (no route, the body's framing) or before
 * anyone can be named (credentials, a suspended tenant, no schema). They leave no audit row.
 */
const UNAUDITED = [
  "unauthenticated",
  "tenant_suspended",
  "schema_not_ready",
  "invalid_json",
  "unsupported_media_type",
  "payload_too_large",
];

/**
 * API §8: each request to an audited operation leaves exactly one row, success or refusal,
 * once its credential names a key or user of the tenant (a weaker level of its own included).
 */
function expectedAuditRows(op: Operation, request: FuzzRequest, outcome: Outcome): number {
  const attributable = ["valid", "token", "lower level"].includes(request.credential);
  if (!op.audited || !attributable || isNoSuchRoute(outcome)) return 0;
  if (outcome.status < 300) return 1;
  const code = problemCode(outcome);
  return code === undefined || UNAUDITED.includes(code) ? 0 : 1;
}

function problemCode(outcome: Outcome): string | undefined {
  try {
    return JSON.parse(outcome.text).code;
  } catch {
    return undefined;
  }
}

function problemViolations(outcome: Outcome): string[] {
  if (!/^application\/problem\+json\b/i.test(outcome.contentType)) {
    return [`${outcome.status} as ${outcome.contentType || "no media type"}, not a problem`];
  }
  let body: { type?: unknown; title?: unknown; status?: unknown };
  try {
    body = JSON.parse(outcome.text);
  } catch {
    return [`${outcome.status} whose body is not JSON: ${outcome.text.slice(0, 200)}`];
  }
  const wrong = [
    typeof body.type === "string" ? "" : "type",
    typeof body.title === "string" ? "" : "title",
    body.status === outcome.status ? "" : "status",
  ].filter(Boolean);
  return wrong.length ? [`a problem without a valid ${wrong.join(", ")}`] : [];
}

/**
 * Only the operation's own credential may succeed. Without a usable credential the answer is
 * 401 whatever the rest of the request holds (nothing about the body is told to a stranger),
 * and a weaker level of the tenant's own is 403. A mutated path that names no route at all (an
 * empty parameter) is 404 for anyone.
 */
function credentialViolations(request: FuzzRequest, outcome: Outcome): string[] {
  if (["valid", "token"].includes(request.credential) || isNoSuchRoute(outcome)) return [];
  const { status } = outcome;
  const expected = request.credential === "lower level" ? 403 : 401;
  if (status === expected) return [];
  return [`${status} for ${request.credential} credentials, expected ${expected}`];
}

function isNoSuchRoute(outcome: Outcome): boolean {
  if (outcome.status !== 404) return false;
  try {
    return JSON.parse(outcome.text).detail === "no such route";
  } catch {
    return false;
  }
}
