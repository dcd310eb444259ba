import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessLevel } from "../../shared/db/database.ts";
import { type ApiResponse, openTestApi, tenantFingerprint, type TestApi } from "../support/api.ts";
import { standInProvider } from "../support/embedding-provider.ts";
import {
  exampleUrl,
  type RouteExample,
  routeExamples,
  tenantRoutes,
} from "../support/route-examples.ts";
import { ROUTE_FIXTURE, seedFixture } from "../support/route-fixture.ts";

// Every text tenant A stores carries this marker, so a leak shows up in any body, whatever its
// shape. Ids do not carry it: 404 details name the requested id, which is the caller's own.
const MARKER = `secret-of-a-${crypto.randomUUID()}`;

const FIXTURE = ROUTE_FIXTURE;

/** Stores tenant A's data through the API with A's own writer key. */
async function seedTenantA(api: TestApi): Promise<void> {
  await seedFixture(api, MARKER);
  // A refused write whose problem names the marker puts it into A's audit log too.
  const refused = await api.request("DELETE", `/graph/entities/${encodeURIComponent(MARKER)}`);
  expect(refused.status).toBe(404);
}

async function setTenantStatus(api: TestApi, tenantId: string, status: string): Promise<void> {
  await api.test.db.transaction((tx) =>
    tx.query("update pgrag.tenants set status = $2 where id = $1", [tenantId, status])
  );
}

function send(api: TestApi, example: RouteExample, key: string): Promise<ApiResponse> {
  return api.request(example.method, exampleUrl(example), { key, body: example.body });
}

const describeCase = (example: RouteExample) => `${example.route} (${example.case})`;

/** Reads first: the foreign tenant's own writes would otherwise turn up in its later reads. */
function readsFirst(examples: RouteExample[]): RouteExample[] {
  const isWrite = (example: RouteExample) => example.foreign.kind === "no_effect";
  return [...examples.filter((e) => !isWrite(e)), ...examples.filter(isWrite)];
}

/** What is wrong with a foreign tenant's answer to an example, or null when it is right. */
function foreignProblem(
  example: RouteExample,
  response: ApiResponse,
  ownerTenantId: string,
): string | null {
  const text = JSON.stringify(response.body);
  if (text?.includes(MARKER)) return "LEAKS tenant A's data";
  if (text?.includes(ownerTenantId)) return "NAMES tenant A";
  if (response.status >= 500) return `answers ${response.status}`;
  const expected = example.foreign;
  if (expected.kind === "not_found") {
    return response.status === 404 && response.body?.code === "not_found"
      ? null
      : "expected 404 not_found";
  }
  if (expected.kind === "own_view") {
    return response.status === 200 ? null : "expected 200 with the caller's own view";
  }
  if (expected.kind === "empty") {
    return response.status === 200 &&
        JSON.stringify(response.body) === JSON.stringify(expected.body)
      ? null
      : `expected 200 ${JSON.stringify(expected.body)}`;
  }
  // A write may land in the caller's tenant (2xx) or find nothing (404); anything else, a 409
  // above all, would say something about the other tenant's ids, and a 4xx of validation would
  // mean the example proves nothing.
  return response.status < 300 || response.status === 404 ? null : "expected a 2xx or 404";
}

describe("tenant isolation and suspension on every tenant route", () => {
  let api: TestApi;
  let b: { tenantId: string; keys: Record<AccessLevel, string> };
  let routes: string[];
  const examples = routeExamples(FIXTURE);

  beforeAll(async () => {
    // With a provider, so that the embedding queue's routes answer as they do in production.
    api = await openTestApi(provider.env, provider);
    await seedTenantA(api);
    b = await api.addTenant();
    const document = await api.request("GET", "/openapi.json", { key: null });
    routes = tenantRoutes(document.body);
    const cases = examples.length;
    console.log(
      `tenant isolation matrix: ${routes.length} routes, ${cases} cases, ` +
        `x 2 callers (other tenant, suspended tenant) = ${2 * cases} requests`,
    );
  });
  const provider = standInProvider();
  afterAll(async () => {
    await api?.close();
    await provider.standIn.close();
  });

  it("has an example for every tenant route of the OpenAPI document, and no other", () => {
    expect(routes.length).toBeGreaterThan(0);
    const covered = new Set(examples.map((example) => example.route));
    const withoutExample = routes.filter((route) => !covered.has(route));
    expect(withoutExample, "add them to tests/support/route-examples.ts").toEqual([]);
    const unknown = [...covered].filter((route) => !routes.includes(route));
    expect(unknown, "examples of routes the OpenAPI document does not have").toEqual([]);
  });

  it("reaches tenant A's data with every read example and A's own key", async () => {
    // Otherwise a 404 or an empty answer to tenant B would prove nothing.
    const problems: string[] = [];
    for (const example of examples.filter((e) => e.foreign.kind !== "no_effect")) {
      const response = await send(api, example, api.keys.admin);
      const text = JSON.stringify(response.body);
      const sameAsForeign = example.foreign.kind === "empty" &&
        text === JSON.stringify(example.foreign.body);
      const notOwners = example.foreign.kind === "own_view" &&
        !text.includes(MARKER) && !text.includes(api.tenantId);
      if (response.status !== 200 || sameAsForeign || notOwners) {
        problems.push(
          `${describeCase(example)}: ${response.status} ${JSON.stringify(response.body)}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it("answers tenant B's admin key with 404s and empty answers, never A's data", async () => {
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const problems: string[] = [];
    for (const example of readsFirst(examples)) {
      const response = await send(api, example, b.keys.admin);
      const problem = foreignProblem(example, response, api.tenantId);
      if (problem) {
        problems.push(
          `${describeCase(example)}: ${problem}; ${example.method} ${exampleUrl(example)} ` +
            `${JSON.stringify(example.body ?? null)} -> ${response.status} ` +
            JSON.stringify(response.body),
        );
      }
    }
    expect(problems).toEqual([]);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
  });

  it("answers 403 tenant_suspended to every example while tenant A is suspended", async () => {
    const before = await tenantFingerprint(api.test.db, api.tenantId);
    const problems: string[] = [];
    await setTenantStatus(api, api.tenantId, "suspended");
    try {
      for (const example of examples) {
        const response = await send(api, example, api.keys.admin);
        if (response.status !== 403 || response.body?.code !== "tenant_suspended") {
          problems.push(
            `${describeCase(example)}: ${response.status} ${JSON.stringify(response.body)}`,
          );
        }
      }
    } finally {
      await setTenantStatus(api, api.tenantId, "active");
    }
    expect(problems).toEqual([]);
    expect(await tenantFingerprint(api.test.db, api.tenantId)).toBe(before);
    // Active again, A reads its own data as before.
    const document = await api.request("GET", `/documents/${FIXTURE.documentId}`, {
      key: api.keys.reader,
    });
    expect(document.status).toBe(200);
  });
});
