import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AccessLevel } from "../../shared/db/database.ts";
import { AUDIT_ACTIONS } from "../../shared/http/audit.ts";
import { openTestApi, type TestApi } from "../support/api.ts";
import { standInProvider } from "../support/embedding-provider.ts";
import { exampleUrl, type RouteExample, routeExamples } from "../support/route-examples.ts";
import { ROUTE_FIXTURE, seedFixture } from "../support/route-fixture.ts";

const ADMIN_KEY = "the-operators-admin-key-for-the-route-walk-0123";
const LEVELS: AccessLevel[] = ["reader", "writer", "admin"];
/** The only operation anyone may call without credentials. */
const PUBLIC = ["GET /health"];

interface Operation {
  route: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  "x-pgrag-access"?: AccessLevel;
  "x-pgrag-audit"?: string | false;
}

/** Every operation of the app's OpenAPI document, as `METHOD /path` with its declaration. */
function operationsOf(document: { paths: Record<string, Record<string, object>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      ...operation,
    }))
  );
}

const isTenant = (op: Operation) => (op.security ?? []).some((r) => "ApiKey" in r);
const isAdmin = (op: Operation) => (op.security ?? []).some((r) => "AdminKey" in r);

/**
 * API §8: every write and every search appends one audit row. Writes are what a writer may do
 * and a reader may not; searches are the operations tagged `search`. Judged from the contract,
 * not from the route's own `x-pgrag-audit`, which this walk checks against it.
 */
const mustAudit = (op: Operation) =>
  op["x-pgrag-access"] === "writer" || (op.tags ?? []).includes("search");

describe("the route walk: every operation of the OpenAPI document", () => {
  let api: TestApi;
  let operations: Operation[];
  const examples = routeExamples(ROUTE_FIXTURE);
  const examplesOf = (route: string) => examples.filter((example) => example.route === route);

  beforeAll(async () => {
    // With a provider, so that the embedding queue's routes answer as they do in production.
    api = await openTestApi({ ...provider.env, PGRAG_ADMIN_KEY: ADMIN_KEY }, provider);
    await seedFixture(api, "route-walk");
    operations = operationsOf((await api.request("GET", "/openapi.json", { key: null })).body);
  });
  const provider = standInProvider();
  afterAll(async () => {
    await api?.close();
    await provider.standIn.close();
  });

  /** The audit rows a request left, by its request id. */
  const auditRowsOf = async (requestId: string) =>
    await api.test.db.transaction((tx) =>
      tx.query<{ action: string; success: boolean }>(
        "select action, success from pgrag.audit_logs " +
          "where tenant_id = $1 and details ->> 'request_id' = $2",
        [api.tenantId, requestId],
      )
    );

  const send = (example: RouteExample, key: string | null) =>
    api.request(example.method, exampleUrl(example), { key, body: example.body });

  it("finds credentials declared on every operation but the public ones, and an example for every tenant one", () => {
    expect(operations.length).toBeGreaterThan(40);
    const open = operations.filter((op) => !isTenant(op) && !isAdmin(op)).map((op) => op.route);
    expect(open).toEqual(PUBLIC);
    const withoutExample = operations.filter((op) => isTenant(op))
      .filter((op) => examplesOf(op.route).length === 0).map((op) => op.route);
    expect(withoutExample, "add them to tests/support/route-examples.ts").toEqual([]);
  });

  it("declares each tenant operation's access and audit action as the contract has them", () => {
    const wrong = operations.filter(isTenant).filter((op) => {
      const audit = op["x-pgrag-audit"];
      const known = LEVELS.includes(op["x-pgrag-access"]!) &&
        (audit === false || AUDIT_ACTIONS.includes(audit as never));
      return !known || (audit !== false) !== mustAudit(op);
    }).map((op) => `${op.route}: ${op["x-pgrag-access"]}, audit ${op["x-pgrag-audit"]}`);
    expect(wrong).toEqual([]);
  });

  it("answers 401 to every credentialed operation without credentials", async () => {
    const answers: string[] = [];
    for (const op of operations.filter((op) => isTenant(op) || isAdmin(op))) {
      // Admin routes check the key before anything else, so any id will do.
      const [method, template] = op.route.split(" ");
      const example = examplesOf(op.route)[0] ?? {
        method,
        path: template.replace(/\{\w+\}/g, crypto.randomUUID()),
      } as RouteExample;
      const response = await send(example, null);
      if (response.status !== 401 || response.body.code !== "unauthenticated") {
        answers.push(`${op.route}: ${response.status}`);
      }
    }
    expect(answers).toEqual([]);
  });

  it("leaves one audit row for each write and search, none for a read, refused or not", async () => {
    const problems: string[] = [];
    let changed = false;
    for (const op of operations.filter(isTenant)) {
      const access = op["x-pgrag-access"]!;
      const audit = op["x-pgrag-audit"];
      for (const example of examplesOf(op.route)) {
        // The examples aim at the fixture: put back what an earlier write changed or deleted.
        if (changed) await seedFixture(api, "route-walk");
        changed = audit !== false;
        const name = `${example.route} (${example.case})`;
        const answered = await send(example, api.keys[access]);
        const below = LEVELS[LEVELS.indexOf(access) - 1];
        const refused = below ? await send(example, api.keys[below]) : null;
        for (const [response, success] of [[answered, true], [refused, false]] as const) {
          if (!response) continue;
          const expected = success ? response.status < 300 : response.status === 403;
          const rows = await auditRowsOf(response.headers.get("x-request-id")!);
          const want = mustAudit(op) ? [{ action: audit, success }] : [];
          if (!expected || JSON.stringify(rows) !== JSON.stringify(want)) {
            problems.push(
              `${name} with a ${success ? access : below} key: ${response.status}, ` +
                `audit rows ${JSON.stringify(rows)}, expected ${JSON.stringify(want)}`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
