import type { MiddlewareHandler } from "hono";
import { Problem } from "./problem.ts";

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Requires request bodies to be JSON and parses them once, so malformed JSON is answered as
 * `invalid_json` and a wrong media type as `unsupported_media_type` before any route runs. The
 * route's validator then reads the body Hono cached here.
 */
export function jsonBodyParser(): MiddlewareHandler {
  return async function jsonBodyParser(c, next) {
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
  // Over HTTP/1.1 a message without Content-Length or Transfer-Encoding has no body, yet the
  // server may still hand over an empty stream (`curl -X POST` with no data). A body that is
  // framed some other way (chunked, HTTP/2) or typed counts as one.
  if (request.headers.has("transfer-encoding") || request.headers.has("content-type")) {
    return request.body !== null;
  }
  return false;
}
