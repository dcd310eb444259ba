import type { Hook, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { type FieldError, formatPath, Problem } from "./problem.ts";

/** At most this many offending fields are listed: the reply stays small whatever was sent. */
export const MAX_LISTED_ERRORS = 20;
/** A path longer than this (a key of a megabyte) is cut, with `…`. */
const MAX_PATH_CHARS = 200;

/**
 * The default hook of every validated route: a failed zod parse becomes one `validation_failed`
 * problem that lists the first MAX_LISTED_ERRORS offending fields and says how many more there
 * were. Each unknown key is its own entry, with a message of its own: zod's message for unknown
 * keys names all of them, and repeating it for each key made the reply grow with their square.
 */
// deno-lint-ignore no-explicit-any
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  throw validationProblem(result.error, result.target);
};

/** A failed zod parse of `target` (json, query, the MCP tool's arguments...) as its problem. */
export function validationProblem(error: z.ZodError, target: string): Problem {
  const errors: FieldError[] = [];
  let total = 0;
  const add = (path: readonly PropertyKey[], message: string) => {
    total++;
    if (errors.length < MAX_LISTED_ERRORS) {
      errors.push({ path: clipPath(formatPath(path)) || target, message });
    }
  };
  for (const issue of error.issues) {
    if (issue.code !== "unrecognized_keys") add(issue.path, issue.message);
    else if (errors.length >= MAX_LISTED_ERRORS) total += issue.keys.length;
    else {
      // A schema's own message (one sentence for each key) is kept; zod's default lists them all.
      const message = /^Unrecognized key/.test(issue.message)
        ? "is not a known field"
        : issue.message;
      for (const key of issue.keys) add([...issue.path, key], message);
    }
  }
  const more = total - errors.length;
  const detail = `the ${target} is not valid` +
    (more > 0 ? `: ${errors.length} problems listed, and ${more} more` : "");
  return new Problem("validation_failed", detail, { errors });
}

function clipPath(path: string): string {
  if (path.length <= MAX_PATH_CHARS) return path;
  return `${Array.from(path.slice(0, 2 * MAX_PATH_CHARS)).slice(0, MAX_PATH_CHARS).join("")}…`;
}
