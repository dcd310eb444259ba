import fc from "fast-check";
import type { AccessLevel } from "../../shared/db/database.ts";
import { bodyMutations, type MutatedBody, type Weighted } from "./body-mutations.ts";
import { hostileUrlText } from "./hostile.ts";
import type { Operation, Parameter } from "./operations.ts";
import { type Sampler, valueFor } from "./schema-arbitrary.ts";
import { jsonBytes } from "./json-text.ts";

/** The credentials the fuzzer holds: a key of each level of its tenant, and the admin key. */
export interface Credentials {
  tenant: Record<AccessLevel, string>;
  admin: string;
  /** Shaped like a tenant key, issued to nobody. */
  unknownKey: string;
  /** Signed tokens of each level for the tenant, with awkward subjects (tokens.ts). */
  tokens: Record<AccessLevel, string[]>;
  /** Tokens that must not pass: wrong secret, unsigned, not JWTs. */
  forgedTokens: string[];
}

/** How a request presents itself; only `valid` and `token` may be answered with a 2xx. */
export type CredentialCase =
  | "valid"
  | "token"
  | "none"
  | "malformed"
  | "unknown"
  | "forged token"
  | "duplicated"
  | "lower level"
  | "swapped";

/** One generated request, everything needed to send it and to say what it was. */
export interface FuzzRequest {
  route: string;
  /** What was spoiled ("valid" when nothing was). */
  mutation: string;
  credential: CredentialCase;
  method: string;
  /** Path and query below the base path, as URL text. */
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
}

interface Draft {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: MutatedBody;
  mutation: string;
}

const LEVELS: AccessLevel[] = ["reader", "writer", "admin"];

/** Requests for one operation: valid ones from its schemas, and each kind of mutation of them. */
export function requestsFor(
  op: Operation,
  sampler: Sampler,
  credentials: Credentials,
  bodyLimit: number,
): fc.Arbitrary<FuzzRequest> {
  const draft = validDraft(op, sampler).chain((valid) =>
    fc.oneof(
      { arbitrary: fc.constant(valid), weight: 4 },
      ...mutations(op, valid, bodyLimit),
    )
  );
  return fc.tuple(draft, credentialFor(op, credentials)).map(([d, [credential, headers]]) => ({
    route: op.route,
    mutation: d.mutation,
    credential,
    method: op.method,
    url: urlOf(op, d),
    headers: {
      ...(d.body?.contentType ? { "Content-Type": d.body.contentType } : {}),
      ...headers,
      ...d.headers,
    },
    body: d.body?.bytes,
  }));
}

function validDraft(op: Operation, sampler: Sampler): fc.Arbitrary<Draft> {
  const inPath = op.parameters.filter((p) => p.in === "path");
  const inQuery = op.parameters.filter((p) => p.in === "query");
  const path = fc.record(Object.fromEntries(
    inPath.map((p) => [p.name, valueFor(sampler, p.schema, p.name).map(asText)]),
  ));
  const query = fc.record(
    Object.fromEntries(inQuery.map((p) => [p.name, valueFor(sampler, p.schema, p.name)])),
    { requiredKeys: inQuery.filter((p) => p.required).map((p) => p.name) },
  );
  const body = op.body ? valueFor(sampler, op.body) : fc.constant(undefined);
  return fc.tuple(path, query, body).map(([path, query, body]) => ({
    path: Object.fromEntries(Object.entries(path).map(([k, v]) => [k, encodeURIComponent(v)])),
    query: Object.entries(query).filter(([, v]) => v !== null)
      .map(([k, v]) => [encodeURIComponent(k), encodeURIComponent(asText(v))]),
    headers: {},
    body: body === undefined
      ? undefined
      : { mutation: "valid", bytes: jsonBytes(body), contentType: "application/json" },
    mutation: "valid",
  }));
}

const asText = (value: unknown) => typeof value === "string" ? value : JSON.stringify(value);

function mutations(op: Operation, valid: Draft, bodyLimit: number): Weighted<Draft>[] {
  const out: Weighted<Draft>[] = [];
  if (op.body && valid.body) {
    const body = JSON.parse(new TextDecoder().decode(valid.body.bytes));
    for (const { arbitrary, weight } of bodyMutations(body, bodyLimit)) {
      out.push({
        weight,
        arbitrary: arbitrary.map((b) => ({ ...valid, body: b, mutation: b.mutation })),
      });
    }
  }
  const inPath = op.parameters.filter((p) => p.in === "path");
  if (inPath.length > 0) out.push({ weight: 4, arbitrary: pathMutation(valid, inPath) });
  out.push({ weight: 3, arbitrary: queryMutation(op, valid) });
  out.push({ weight: 2, arbitrary: headerMutation(valid) });
  return out;
}

function pathMutation(valid: Draft, inPath: Parameter[]): fc.Arbitrary<Draft> {
  return fc.tuple(fc.constantFrom(...inPath), hostileUrlText).map(([p, hostile]) => ({
    ...valid,
    path: { ...valid.path, [p.name]: hostile.value as string },
    mutation: `path {${p.name}} ← ${hostile.label} ${excerpt(hostile.value as string)}`,
  }));
}

/** A parameter replaced, repeated with another value, or one the operation does not know. */
function queryMutation(op: Operation, valid: Draft): fc.Arbitrary<Draft> {
  const known = op.parameters.filter((p) => p.in === "query").map((p) => p.name);
  const name = fc.constantFrom(...known, "unknown", "__proto__", "limit[]", "");
  return fc.tuple(name, hostileUrlText, fc.boolean()).map(([key, hostile, repeat]) => {
    const value = hostile.value as string;
    const others = repeat ? valid.query : valid.query.filter(([k]) => k !== key);
    return {
      ...valid,
      query: [...others, [encodeURIComponent(key), value]],
      mutation: `query ${key}=${excerpt(value)} (${hostile.label}${repeat ? ", repeated" : ""})`,
    };
  });
}

/**
 * Header values spoiled within what the Fetch API lets a client send: Latin-1 bytes, tabs,
 * lengths, and a Content-Length that does not match. CR and LF the Headers API refuses (it
 * throws), so those are left to the runtime's HTTP parser (see crlf-headers.test.ts).
 */
function headerMutation(valid: Draft): fc.Arbitrary<Draft> {
  const latin1 = fc.string({
    unit: fc.oneof(
      fc.constant("\t"),
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
    ),
    minLength: 1,
    maxLength: 40,
  });
  const value = fc.oneof(latin1, fc.constantFrom("x".repeat(8_000), "", " ", "-1", "abc"));
  const name = fc.constantFrom(
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "X-Forwarded-For",
    "X-Real-IP",
    "X-Request-Id",
    "Origin",
    "Accept",
    "Accept-Encoding",
    "Transfer-Encoding",
  );
  return fc.tuple(name, value).map(([name, value]) => ({
    ...valid,
    headers: { [name]: value },
    mutation: `header ${name}: ${excerpt(value)}`,
  }));
}

/** Mostly the credential the operation asks for; now and then none, a wrong one or a weaker one. */
function credentialFor(
  op: Operation,
  credentials: Credentials,
): fc.Arbitrary<[CredentialCase, Record<string, string>]> {
  const admin = { Authorization: `Bearer ${credentials.admin}` };
  const tenant = (level: AccessLevel) => ({ "X-API-Key": credentials.tenant[level] });
  if (op.security === "public") return fc.constant(["valid", {}]);
  const valid = op.security === "admin" ? admin : tenant(op.access ?? "reader");
  const lower = op.access ? LEVELS[LEVELS.indexOf(op.access) - 1] : undefined;
  type Presented = [CredentialCase, Record<string, string>];
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const level = op.access ?? "reader";
  const tokens: Presented[] = op.security === "tenant"
    ? credentials.tokens[level].map((t) => ["token", bearer(t)])
    : [];
  const wrong: Presented[] = [
    ["none", {}],
    ["malformed", op.security === "admin" ? { Authorization: "Bearer" } : { "X-API-Key": "k" }],
    ["unknown", op.security === "admin" ? bearer("x") : { "X-API-Key": credentials.unknownKey }],
    ["swapped", op.security === "admin" ? tenant("admin") : admin],
    // Sent twice, a header reaches the app as the two values joined by a comma.
    [
      "duplicated",
      op.security === "admin" ? { Authorization: `${admin.Authorization}, x` } : {
        "X-API-Key": `${credentials.tenant[level]}, ${credentials.tenant[level]}`,
      },
    ],
    ...credentials.forgedTokens.map((t): Presented => ["forged token", bearer(t)]),
    ...(lower ? [["lower level", tenant(lower)] as Presented] : []),
  ];
  return fc.oneof(
    { arbitrary: fc.constant<Presented>(["valid", valid]), weight: 10 },
    ...(tokens.length ? [{ arbitrary: fc.constantFrom(...tokens), weight: 2 }] : []),
    { arbitrary: fc.constantFrom(...wrong), weight: 6 },
  );
}

function urlOf(op: Operation, draft: Draft): string {
  const path = op.template.replace(/\{(\w+)\}/g, (_, name: string) => draft.path[name]);
  const query = draft.query.map(([k, v]) => `${k}=${v}`).join("&");
  return query ? `${path}?${query}` : path;
}

/** The first characters of a long value, for a readable mutation label. */
export function excerpt(text: string, length = 40): string {
  const shown = JSON.stringify(text.length > length ? `${text.slice(0, length)}…` : text);
  return text.length > length ? `${shown} (${text.length} chars)` : shown;
}
