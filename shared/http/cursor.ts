import { decodeTextBase64Url, encodeTextBase64Url } from "../encoding.ts";
import { Problem } from "./problem.ts";

/**
 * Keyset pagination cursors: the sort key of the last row of a page, opaque to clients
 * (base64url JSON). A cursor carries the order it was made for, so it cannot be replayed against
 * another order.
 */
export interface PageKey {
  /** The sort column's value, or null when sorting by id alone. */
  value: string | null;
  id: string;
}

export function encodeCursor(order: string, key: PageKey): string {
  return encodeTextBase64Url(JSON.stringify({ o: order, v: key.value, i: key.id }));
}

export function decodeCursor(order: string, cursor: string): PageKey {
  const invalid = () =>
    new Problem("validation_failed", "the cursor is not valid for this listing", {
      errors: [{ path: "cursor", message: "pass next_cursor from the previous page unchanged" }],
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeTextBase64Url(cursor) ?? "");
  } catch {
    throw invalid();
  }
  const { o, v, i } = (parsed ?? {}) as Record<string, unknown>;
  if (o !== order || typeof i !== "string" || !(v === null || typeof v === "string")) {
    throw invalid();
  }
  if (typeof v === "string" && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(v)) throw invalid();
  return { value: v, id: i };
}
