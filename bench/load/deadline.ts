/**
 * The request deadline the server runs with, read from the server's own configuration parser
 * with the environment the server gets: the benchmark knows the variable's name
 * (PGRAG_REQUEST_TIMEOUT_MS) but not where the parsed configuration keeps it or what its default
 * is, which are the database seam's to choose. A server without that variable has no deadline.
 */
import { ConfigError, parseConfig } from "../../shared/config.ts";

export const DEADLINE_VARIABLE = "PGRAG_REQUEST_TIMEOUT_MS";

/** A value no default is: where it lands in the parsed configuration is the deadline's field. */
const PROBE_MS = 987_654_321;

/** The deadline in milliseconds for a server started with `env`, or undefined without one. */
export function requestDeadlineMs(env: Record<string, string | undefined>): number | undefined {
  if (!knowsVariable(env)) return undefined;
  const path = leafPath(parseConfig({ ...env, [DEADLINE_VARIABLE]: String(PROBE_MS) }), PROBE_MS);
  if (path === undefined) {
    throw new Error(`${DEADLINE_VARIABLE} is read, but no configuration field takes its value`);
  }
  let value: unknown = parseConfig(env);
  for (const key of path) value = (value as Record<string, unknown>)[key];
  if (typeof value !== "number") throw new Error(`${path.join(".")} is not a number: ${value}`);
  return value;
}

/** The parser rejects a nonsense value of the variable only if it reads it. */
function knowsVariable(env: Record<string, string | undefined>): boolean {
  try {
    parseConfig({ ...env, [DEADLINE_VARIABLE]: "not a number" });
    return false;
  } catch (error) {
    if (error instanceof ConfigError && error.message.includes(DEADLINE_VARIABLE)) return true;
    throw error;
  }
}

function leafPath(value: unknown, wanted: number, path: string[] = []): string[] | undefined {
  if (value === wanted) return path;
  if (value === null || typeof value !== "object") return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = leafPath(child, wanted, [...path, key]);
    if (found) return found;
  }
  return undefined;
}
