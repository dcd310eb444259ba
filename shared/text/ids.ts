import { createHash } from "node:crypto";

/**
 * Ids derived from content when a client sends none (`doc-<md5>`, `chunk-<md5>`, as LightRAG
 * derives them), so sending the same content twice names the same row.
 */
export function derivedId(prefix: "doc" | "chunk", content: string): string {
  return `${prefix}-${createHash("md5").update(content, "utf8").digest("hex")}`;
}
