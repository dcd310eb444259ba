import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier, type TokenVerifier } from "../../shared/auth/jwt.ts";
import type { JwtConfig } from "../../shared/config.ts";
import { Problem } from "../../shared/http/problem.ts";

const SECRET = "a-shared-secret-of-more-than-32-characters";
const TENANT = "6f1c1c4e-2b8a-4c1e-9a57-0c6b1d2e3f40";
const ISSUER = "https://project.supabase.co/auth/v1";

interface LocalServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** An HTTP server on an ephemeral port of 127.0.0.1, counting what it is asked. */
async function startServer(answer: RequestListener): Promise<LocalServer> {
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests++;
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // A server that never answers still holds its sockets open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(alg: string, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

const now = () => Math.floor(Date.now() / 1000);
const base64url = (value: string | object) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** The Supabase shape, valid for an hour unless `claims` says otherwise. */
function supabaseClaims(claims: JWTPayload = {}): JWTPayload {
  return {
    sub: "user-1",
    role: "authenticated",
    app_metadata: { provider: "email", tenant_id: TENANT, pgrag_role: "writer" },
    exp: now() + 3600,
    ...claims,
  };
}

function sign(claims: JWTPayload, key: SigningKey | Uint8Array, header: { alg?: string } = {}) {
  const jwt = new SignJWT(claims);
  if (key instanceof Uint8Array) {
    return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT", ...header }).sign(key);
  }
  return jwt.setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })
    .sign(key.privateKey);
}

const secretBytes = new TextEncoder().encode(SECRET);

function verifier(config: Partial<JwtConfig>): TokenVerifier {
  const made = createTokenVerifier({ jwksTimeoutMs: 3000, ...config });
  if (!made) throw new Error("expected a verifier");
  return made;
}

async function refusal(verifying: Promise<unknown>): Promise<Problem> {
  const outcome = await verifying.then((claims) => ({ claims }), (error: unknown) => error);
  expect(outcome).toBeInstanceOf(Problem);
  return outcome as Problem;
}

async function expectUnauthenticated(verifying: Promise<unknown>) {
  const problem = await refusal(verifying);
  expect(problem).toMatchObject({ code: "unauthenticated", status: 401 });
  return problem;
}

let es: SigningKey;
let rs: SigningKey;
let ps: SigningKey;
let intruder: SigningKey;
let jwks: LocalServer;

beforeAll(async () => {
  [es, rs, ps, intruder] = await Promise.all([
    signingKey("ES256", "es-key"),
    signingKey("RS256", "rs-key"),
    // Served too, so only the verifier's own list of algorithms can refuse PS256.
    signingKey("PS256", "ps-key"),
    signingKey("ES256", "es-key"),
  ]);
  const body = JSON.stringify({ keys: [es.publicJwk, rs.publicJwk, ps.publicJwk] });
  jwks = await startServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end(body);
  });
});

afterAll(async () => {
  await jwks?.close();
});

describe("createTokenVerifier()", () => {
  it("is null when neither a secret nor a JWKS URL is configured", () => {
    expect(createTokenVerifier({ jwksTimeoutMs: 3000 })).toBeNull();
  });

  it("accepts HS256 with the secret, in the Supabase shape", async () => {
    const claims = await verifier({ secret: SECRET }).verify(
      await sign(supabaseClaims(), secretBytes),
    );
    expect(claims).toEqual({ tenantId: TENANT, role: "writer", subject: "user-1" });
  });

  it("accepts ES256 and RS256 from the JWKS", async () => {
    const both = verifier({ secret: SECRET, jwksUrl: jwks.url });
    for (const key of [es, rs]) {
      expect(await both.verify(await sign(supabaseClaims(), key))).toMatchObject({
        tenantId: TENANT,
        role: "writer",
      });
    }
  });

  it("accepts the top-level shape, lowercases the tenant and defaults the role to reader", async () => {
    const token = await sign(
      { tenant_id: TENANT.toUpperCase(), exp: now() + 60 },
      es,
    );
    expect(await verifier({ jwksUrl: jwks.url }).verify(token)).toEqual({
      tenantId: TENANT,
      role: "reader",
      subject: null,
    });
    const admin = await sign({ tenant_id: TENANT, pgrag_role: "admin", exp: now() + 60 }, rs);
    expect(await verifier({ jwksUrl: jwks.url }).verify(admin)).toMatchObject({ role: "admin" });
  });

  it("prefers app_metadata over top-level claims", async () => {
    const other = "00000000-0000-4000-8000-000000000001";
    const token = await sign(supabaseClaims({ tenant_id: other, pgrag_role: "admin" }), es);
    expect(await verifier({ jwksUrl: jwks.url }).verify(token)).toMatchObject({
      tenantId: TENANT,
      role: "writer",
    });
  });

  it("checks iss and aud when configured", async () => {
    const checked = verifier({ jwksUrl: jwks.url, issuer: ISSUER, audience: ["pgrag", "other"] });
    const good = await sign(supabaseClaims({ iss: ISSUER, aud: ["authenticated", "pgrag"] }), es);
    expect(await checked.verify(good)).toMatchObject({ tenantId: TENANT });
    for (
      const claims of [
        { iss: "https://elsewhere.example/auth/v1", aud: "pgrag" },
        { iss: ISSUER, aud: "authenticated" },
        { aud: "pgrag" },
        { iss: ISSUER },
      ]
    ) {
      await expectUnauthenticated(checked.verify(await sign(supabaseClaims(claims), es)));
    }
  });

  it("fetches the key set once for many tokens", async () => {
    const once = verifier({ jwksUrl: jwks.url });
    await once.verify(await sign(supabaseClaims(), es));
    const fetched = jwks.requests;
    for (let i = 0; i < 5; i++) await once.verify(await sign(supabaseClaims(), rs));
    expect(jwks.requests).toBe(fetched);
  });
});

describe("refused tokens", () => {
  let onlyJwks: TokenVerifier;
  let both: TokenVerifier;
  beforeAll(() => {
    onlyJwks = verifier({ jwksUrl: jwks.url });
    both = verifier({ secret: SECRET, jwksUrl: jwks.url });
  });

  it("refuses alg none", async () => {
    const header = base64url({ alg: "none", typ: "JWT" });
    for (const token of [`${header}.${base64url(supabaseClaims())}.`, `${header}.e30`]) {
      await expectUnauthenticated(both.verify(token));
      await expectUnauthenticated(verifier({ secret: SECRET }).verify(token));
    }
  });

  it("refuses HS256 signed with the public key as the secret", async () => {
    const pem = new TextEncoder().encode(await exportSPKI(rs.publicKey));
    const jwk = new TextEncoder().encode(JSON.stringify(rs.publicJwk));
    for (const bytes of [pem, jwk]) {
      const token = await new SignJWT(supabaseClaims())
        .setProtectedHeader({ alg: "HS256", kid: rs.kid, typ: "JWT" })
        .sign(bytes);
      const refused = await expectUnauthenticated(onlyJwks.verify(token));
      expect(refused.detail).toBe("the token must be signed with ES256 or RS256");
      const mismatched = await expectUnauthenticated(both.verify(token));
      expect(mismatched.detail).toBe("the token's signature does not verify");
    }
  });

  it("refuses expired tokens, tokens without exp and tokens not valid yet", async () => {
    const expired = await expectUnauthenticated(
      both.verify(await sign(supabaseClaims({ exp: now() - 60 }), es)),
    );
    expect(expired.detail).toBe("the token has expired");
    const noExp = supabaseClaims();
    delete noExp.exp;
    for (const key of [es, secretBytes]) {
      const problem = await expectUnauthenticated(both.verify(await sign(noExp, key)));
      expect(problem.detail).toBe('the token has no "exp" claim');
    }
    await expectUnauthenticated(both.verify(await sign(supabaseClaims({ nbf: now() + 60 }), rs)));
  });

  it("refuses an unknown kid and a known kid signed by another key", async () => {
    const stranger = { ...intruder, kid: "not-in-the-set" };
    const unknown = await expectUnauthenticated(
      both.verify(await sign(supabaseClaims(), stranger)),
    );
    expect(unknown.detail).toBe("no signing key matches the token's kid");
    const forged = await expectUnauthenticated(
      both.verify(await sign(supabaseClaims(), intruder)),
    );
    expect(forged.detail).toBe("the token's signature does not verify");
  });

  it("refuses a tampered payload", async () => {
    for (const key of [es, rs, secretBytes]) {
      const [header, , signature] = (await sign(supabaseClaims(), key)).split(".");
      const raised = supabaseClaims({
        app_metadata: { tenant_id: TENANT, pgrag_role: "admin" },
      });
      const tampered = `${header}.${base64url(raised)}.${signature}`;
      const problem = await expectUnauthenticated(both.verify(tampered));
      expect(problem.detail).toBe("the token's signature does not verify");
    }
  });

  it("refuses a tenant that is missing or not a UUID, and an unknown role", async () => {
    for (
      const claims of [
        { app_metadata: { tenant_id: "tenant-1" } },
        { app_metadata: { tenant_id: 42 } },
        { app_metadata: {} },
        { app_metadata: { tenant_id: TENANT, pgrag_role: "owner" } },
        { app_metadata: { tenant_id: TENANT }, pgrag_role: "superuser" },
      ]
    ) {
      await expectUnauthenticated(both.verify(await sign(supabaseClaims(claims), es)));
    }
    const bare = await sign({ exp: now() + 60, sub: "user-1" }, secretBytes);
    await expectUnauthenticated(both.verify(bare));
  });

  it("refuses algorithms outside the pinned lists", async () => {
    const hs512 = await sign(supabaseClaims(), secretBytes, { alg: "HS512" });
    await expectUnauthenticated(both.verify(hs512));
    const ps256 = await sign(supabaseClaims(), ps);
    const problem = await expectUnauthenticated(both.verify(ps256));
    expect(problem.detail).toBe("the token must be signed with HS256 or ES256 or RS256");
  });

  it("refuses what is not a JWT", async () => {
    for (const token of ["", "garbage", "a.b.c", "Bearer x.y.z", "e30.e30.e30.e30.e30"]) {
      await expectUnauthenticated(both.verify(token));
    }
  });
});

describe("an unreachable JWKS endpoint", () => {
  const servers: LocalServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function expectUnavailable(url: string, jwksTimeoutMs = 3000) {
    const down = verifier({ secret: SECRET, jwksUrl: url, jwksTimeoutMs });
    for (const key of [es, rs]) {
      const problem = await refusal(down.verify(await sign(supabaseClaims(), key)));
      expect(problem).toMatchObject({ code: "unavailable", status: 503 });
      expect(problem.options.retryAfterSeconds).toBe(5);
    }
    // The secret does not depend on the endpoint.
    expect(await down.verify(await sign(supabaseClaims(), secretBytes))).toMatchObject({
      tenantId: TENANT,
    });
  }

  it("refuses with unavailable when the connection is refused", async () => {
    const closed = await startServer(() => {});
    await closed.close();
    await expectUnavailable(closed.url);
  });

  it("refuses with unavailable when the endpoint never answers", async () => {
    const silent = await startServer(() => {});
    servers.push(silent);
    const started = Date.now();
    await expectUnavailable(silent.url, 300);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("refuses with unavailable on an error status, a body not JSON or not a key set", async () => {
    for (
      const [status, body] of [[500, "oops"], [404, "{}"], [200, "<html>"], [
        200,
        '{"a":1}',
      ]] as const
    ) {
      const broken = await startServer((_request, response) => {
        response.writeHead(status, { "content-type": "application/json" }).end(body);
      });
      servers.push(broken);
      await expectUnavailable(broken.url);
    }
  });
});
