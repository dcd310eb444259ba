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

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Standard base64 of little-endian float32 values (OpenAI's `encoding_format: "base64"`) as
 * the values; null when the text is not base64 of whole float32s. A DataView reads little-endian
 * whatever the host's byte order, and from any byte offset.
 */
export function decodeFloat32Base64(text: string): Float32Array | null {
  if (!BASE64.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, "base64");
  if (bytes.byteLength % 4 !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
