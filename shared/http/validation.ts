import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import { formatPath, Problem } from "./problem.ts";

/**
 * The default hook of every validated route: a failed zod parse becomes one `validation_failed`
 * problem that lists each offending field.
 */
// deno-lint-ignore no-explicit-any
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (result.success) return;
  // An unknown key is reported by zod on the object that holds it; name the key itself.
  const errors = result.error.issues.flatMap((issue) => {
    const paths = issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => [...issue.path, key])
      : [issue.path];
    return paths.map((path) => ({
      path: formatPath(path) || result.target,
      message: issue.message,
    }));
  });
  throw new Problem("validation_failed", `the ${result.target} is not valid`, { errors });
};
