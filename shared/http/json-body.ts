import type { MiddlewareHandler } from "hono";
import { Problem } from "./problem.ts";

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Requires request bodies to be JSON and parses them once, so malformed JSON is answered as
 * `invalid_json` and a wrong media type as `unsupported_media_type` before any route runs. The
 * route's validator then reads the body Hono cached here.
 */
export function jsonBody(): MiddlewareHandler {
  return async function jsonBody(c, next) {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method) || !hasBody(c.req.raw)) {
      return await next();
    }
    const contentType = c.req.header("content-type") ?? "";
    if (!JSON_MEDIA_TYPE.test(contentType)) {
      throw new Problem(
        "unsupported_media_type",
        `request bodies must be application/json, not ${contentType || "untyped"}`,
      );
    }
    try {
      await c.req.json();
    } catch (error) {
      // The body limit aborts the stream with its own error; let that one through.
      if (!(error instanceof SyntaxError)) throw error;
      throw new Problem("invalid_json", `the body is not valid JSON: ${error.message}`);
    }
    await next();
  };
}

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.body !== null;
}
