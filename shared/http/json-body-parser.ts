import type { Context, MiddlewareHandler } from "hono";
import { Problem } from "./problem.ts";

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;
// Hono's own read replaces invalid UTF-8 with U+FFFD, which would store text nobody sent.
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

export interface BodyOptions {
  /** Bytes a body may have (PGRAG_BODY_LIMIT). */
  limitBytes: number;
  /** How long the body may take to arrive once reading starts (PGRAG_BODY_TIMEOUT_MS). */
  timeoutMs: number;
}

/** A request's JSON body, read at most once and only when a route asks for it. */
export interface JsonBody {
  /** Reads, decodes and parses the body (408, 413 or 400 `invalid_json` on the way). */
  read(): Promise<unknown>;
  /** The parsed body once `read` succeeded, else undefined: never starts reading. */
  peek(): unknown;
}

type Env = { Variables: { body?: JsonBody } };

/**
 * Leaves reading a request's body to its route: credentialed routes read it only once the
 * credentials passed (shared/http/tenant-access.ts, admin.ts), so nothing about a stranger's body
 * is judged, not even its media type or declared length, and it is never read, let alone parsed
 * or validated. The read checks the media type (JSON) and the declared length first, is bounded
 * in bytes and in time, decodes UTF-8 strictly, and its result is what the route's validator sees
 * as `c.req.json()`.
 */
export function jsonBodyParser(options: BodyOptions): MiddlewareHandler<Env> {
  return async function jsonBodyParser(c, next) {
    if (!["POST", "PUT", "PATCH"].includes(c.req.method) || !hasBody(c.req.raw)) {
      return await next();
    }
    let parsed: Promise<unknown> | undefined;
    let value: { body: unknown } | undefined;
    const read = () =>
      parsed ??= readJson(c.req.raw, options).then((body) => (value = { body }).body);
    c.set("body", { read, peek: () => value?.body });
    // Validators call `c.req.json()`; Hono's would read the raw stream again, leniently.
    c.req.json = read as Context["req"]["json"];
    await next();
    // A body left unread or unfinished (refused credentials, a timeout, too large) would keep
    // the connection waiting for bytes nobody reads: the answer closes it instead.
    if (value === undefined) c.res.headers.set("Connection", "close");
  };
}

async function readJson(request: Request, options: BodyOptions): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new Problem(
      "unsupported_media_type",
      `request bodies must be application/json, not ${contentType || "untyped"}`,
    );
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > options.limitBytes) throw tooLarge(options.limitBytes);
  const bytes = await readBytes(request, options);
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new Problem("invalid_json", "the body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new Problem("invalid_json", `the body is not valid JSON: ${error.message}`);
  }
}

/**
 * The body's bytes, refused past the limit even when no Content-Length announced them (chunked)
 * and past the timeout, after which the stream is cancelled so the connection is let go.
 */
async function readBytes(request: Request, options: BodyOptions): Promise<Uint8Array> {
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new Problem(
          "body_timeout",
          `the body did not arrive within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      size += value.byteLength;
      if (size > options.limitBytes) throw tooLarge(options.limitBytes);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(limitBytes: number): Problem {
  return new Problem("payload_too_large", `request bodies are limited to ${limitBytes} bytes`);
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
