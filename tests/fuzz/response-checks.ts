import type { Operation } from "./operations.ts";
import type { FuzzRequest } from "./requests.ts";

/** What came back, read once. */
export interface Outcome {
  status: number;
  contentType: string;
  text: string;
  /** The audit rows the fuzzed tenant gained while the request ran (-1: unknown). */
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
  const [least, most] = expectedAuditRows(op, request, outcome);
  // Unknown (-1) only when the database went down, which is reported on its own.
  if (outcome.auditRows >= 0 && (outcome.auditRows < least || outcome.auditRows > most)) {
    const expected = least === most ? `${least}` : `${least} to ${most}`;
    found.push(`${outcome.auditRows} audit rows, expected ${expected}`);
  }
  return found;
}

/** Refusals before anyone can be named: never audited. */
const UNATTRIBUTED = ["unauthenticated", "tenant_suspended", "schema_not_ready"];
/**
 * Refusals both the app (before any route: the body's framing) and a route can give: audited
 * only in the second case, which the answer doesn't tell apart.
 */
const EITHER = ["invalid_json", "unsupported_media_type", "payload_too_large"];

/**
 * API §8: each request to an audited operation leaves one row, success or refusal, once its
 * credential names a key or user of the tenant (a weaker level of its own included) and the
 * route saw it. Never more than one. Returned as the least and most rows allowed.
 */
function expectedAuditRows(
  op: Operation,
  request: FuzzRequest,
  outcome: Outcome,
): [number, number] {
  const attributable = ["valid", "token", "lower level"].includes(request.credential);
  if (!op.audited || isNoSuchRoute(outcome)) return [0, 0];
  if (!attributable) return [0, 1];
  if (outcome.status < 300) return [1, 1];
  const code = problemCode(outcome) ?? "";
  if (UNATTRIBUTED.includes(code)) return [0, 0];
  return EITHER.includes(code) ? [0, 1] : [1, 1];
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
