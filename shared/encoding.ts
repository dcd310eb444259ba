import { Buffer } from "node:buffer";

/** Bytes as unpadded base64url (RFC 4648 §5). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Text as unpadded base64url, for opaque tokens such as pagination cursors. */
export function encodeTextBase64Url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The inverse of encodeTextBase64Url; null when `token` is not base64url. */
export function decodeTextBase64Url(token: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) return null;
  return Buffer.from(token, "base64url").toString("utf8");
}
