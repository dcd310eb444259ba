/**
 * API keys: random secrets shown once when issued. The database keeps only their SHA-256, and
 * requests send the hash into the transaction that authenticates them (see scope.ts).
 */
import { encodeBase64Url } from "../encoding.ts";

const KEY_PREFIX = "pgrag_";
/** Keys are `pgrag_` and 43 base64url characters (32 random bytes). */
const KEY_FORMAT = /^pgrag_[A-Za-z0-9_-]{43}$/;

export interface IssuedApiKey {
  /** The secret: give it to the client once, never store it. */
  key: string;
  /** The first characters, safe to show in listings so a key can be recognised. */
  prefix: string;
  /** SHA-256 of the key as 64 hex digits, what the database stores. */
  hash: string;
}

export async function issueApiKey(): Promise<IssuedApiKey> {
  const key = KEY_PREFIX + encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { key, prefix: key.slice(0, 12), hash: await hashApiKey(key) };
}

/** Whether a header value is shaped like a key pgrag issues (cheap check before hashing). */
export function isApiKeyShaped(value: string): boolean {
  return KEY_FORMAT.test(value);
}

export async function hashApiKey(key: string): Promise<string> {
  const digest = await sha256(key);
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of a secret's UTF-8 bytes: what is stored or compared instead of the secret. */
export async function sha256(secret: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
}
