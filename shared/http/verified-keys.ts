import type { AccessLevel } from "../db/database.ts";
import type { Credential } from "./credentials.ts";
import { credentialScope } from "./credentials.ts";
import type { RequestDatabase } from "./request-database.ts";

/** How long an API key that passed the early check skips it, and how many keys are kept. */
export const VERIFIED_KEY_TTL_MS = 5_000;
const VERIFIED_KEY_CAPACITY = 1_000;

/**
 * A request with a body is only read and validated for a credential that is known to be good;
 * a JWT proves that by its signature, an API key only in the database. So a request with a body
 * and an API key first authenticates the key in a transaction of its own (at the route's level:
 * a reader key on a write route is refused before its body too), which costs that transaction's
 * round trips (measured in tests/server/round-trips.test.ts: 2 on postgres.js and on the Neon
 * WebSocket pool, 1 with prepared statements or over Neon HTTP).
 * Keys that passed are remembered for VERIFIED_KEY_TTL_MS so that a client sending request after
 * request pays it once per few seconds; failures are never remembered, each is asked again. The
 * memory only spares the early check: every request still authenticates its key inside its own
 * transaction (`pgrag.authenticate_api_key`), so a key revoked a moment ago reads at most a few
 * seconds of bodies and is refused all the same. The alternative, checking the key only when
 * validation fails, would still parse and validate a stranger's body first.
 */
export class VerifiedKeys {
  readonly #expiry = new Map<string, number>();

  constructor(
    private readonly ttlMs = VERIFIED_KEY_TTL_MS,
    private readonly capacity = VERIFIED_KEY_CAPACITY,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Refuses (401, 403) a key the database does not accept at `access`; answers at once if known. */
  async verify(db: RequestDatabase, credential: Credential, access: AccessLevel): Promise<void> {
    if (credential.kind !== "api_key") return;
    const entry = `${credential.hash}:${access}`;
    const expiry = this.#expiry.get(entry);
    if (expiry !== undefined && expiry > this.now()) return;
    this.#expiry.delete(entry);
    await db.run(credentialScope(credential, access), [], { idempotent: true });
    // Oldest first in a Map: drop the oldest once full, so the memory stays bounded.
    if (this.#expiry.size >= this.capacity) {
      this.#expiry.delete(this.#expiry.keys().next().value!);
    }
    this.#expiry.set(entry, this.now() + this.ttlMs);
  }
}
