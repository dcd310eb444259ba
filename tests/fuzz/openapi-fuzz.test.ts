import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE_PATH, createApp } from "../../shared/app.ts";
import { parseConfig } from "../../shared/config.ts";
import { type FuzzTarget, openFuzzTarget } from "./fuzz-target.ts";
import { type OpenApiDocument, operationsOf } from "./operations.ts";
import {
  countKind,
  formatKinds,
  formatReport,
  type KindTally,
  newTally,
  type OperationTally,
} from "./report.ts";
import { excerpt, type FuzzRequest, requestsFor } from "./requests.ts";
import { violations } from "./response-checks.ts";

/**
 * The OpenAPI fuzz suite: for every operation of the app's own document, requests generated
 * from its schemas and then mutated (see requests.ts), sent in-process. Asserted for each one:
 * never a 5xx, every 4xx a problem document, credentials other than the operation's own never
 * let through, and nothing stored changed by a request that was refused.
 *
 * The fingerprint (fingerprint.ts) is taken after every answer. After a refusal it must equal
 * the one before; after a success the data may have changed, so that one becomes the baseline
 * (and the fixture is stored again if the success deleted part of it). That way every refused
 * request is judged alone, whatever succeeded before it, and a successful write can't be
 * mistaken for a refused one that leaked.
 *
 * `PGRAG_TEST_FUZZ=full` (deno task test:fuzz) sends ten times as many with a fresh seed each
 * run; the short run of `deno task test` uses a fixed seed so CI is repeatable.
 * `PGRAG_TEST_FUZZ_SEED` replays a run, `PGRAG_TEST_FUZZ_ONLY` (e.g. `PUT /cache/{key}`) keeps
 * the operations whose route contains it, and `PGRAG_TEST_FUZZ_TRACE=1` prints each request
 * before it is sent, to find one that takes the database down.
 */
const FULL = process.env.PGRAG_TEST_FUZZ === "full";
const SIZE = FULL ? "full" : "short";
const RUNS = FULL ? 300 : 30;
const SEED = Number(process.env.PGRAG_TEST_FUZZ_SEED ?? (FULL ? Date.now() % 2 ** 31 : 20261120));
const ONLY = process.env.PGRAG_TEST_FUZZ_ONLY;
const TRACE = process.env.PGRAG_TEST_FUZZ_TRACE === "1";
/** At most this many failures are listed per operation; the tally counts them all. */
const SHOWN = 12;

const tallies: OperationTally[] = [];
const kinds: KindTally = new Map();
const operations = operationsOf(await readDocument());

describe(`the OpenAPI fuzz suite (${SIZE}, seed ${SEED})`, () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await openFuzzTarget();
  });
  afterAll(async () => {
    const report = `${formatReport(`OpenAPI fuzz (${SIZE}, seed ${SEED})`, tallies)}\n` +
      formatKinds(kinds);
    console.log(report);
    await Deno.mkdir(".pgrag", { recursive: true });
    await Deno.writeTextFile(`.pgrag/fuzz-${SIZE}.md`, report);
    await target?.close();
  });

  it("reads every operation of the document", () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  operations.forEach((op, index) => {
    if (ONLY && !op.route.includes(ONLY)) return;
    it(op.route, { timeout: FULL ? 900_000 : 60_000 }, async () => {
      const tally = newTally(op.route);
      tallies.push(tally);
      const document = await readDocument();
      const failures: { severity: number; text: string }[] = [];
      // A request that takes the database down ends the batch: the rest is generated anew
      // against a new database, whose keys the requests must carry.
      for (let batch = 0; tally.requests < RUNS; batch++) {
        const sampler = { document, hints: target.samplerFor(op) };
        const arbitrary = requestsFor(op, sampler, target.credentials, target.bodyLimit);
        const seed = SEED + index + 1_000 * batch;
        const requests = fc.sample(arbitrary, { numRuns: RUNS - tally.requests, seed });
        let baseline = await target.fingerprint();
        for (const request of requests) {
          if (TRACE) console.log(describeFailure(request, []));
          const outcome = await target.send(request);
          tally.requests++;
          if (request.mutation !== "valid") tally.mutated++;
          if (!["valid", "token"].includes(request.credential)) tally.wrongCredentials++;
          const found = violations(op, request, outcome);
          if (request.credential === "valid") {
            countKind(kinds, request.mutation, outcome.status < 300);
          }
          const after = await target.fingerprint().catch((error: Error) => error);
          if (after instanceof Error) {
            found.push(`the database no longer answers: ${after.message}`);
          } else if (outcome.status < 300) {
            tally.ok++;
            await target.restoreFixture();
            baseline = await target.fingerprint();
          } else {
            tally.refused++;
            if (after !== baseline) {
              tally.fingerprintChanges++;
              found.push(`refused with ${outcome.status}, yet stored data changed`);
            }
            baseline = after;
          }
          if (outcome.status >= 500) tally.serverErrors++;
          if (found.some((line) => line.includes("not a problem"))) tally.notProblems++;
          if (found.length > 0) {
            tally.violations++;
            failures.push({
              severity: severityOf(outcome.status, after),
              text: describeFailure(request, found),
            });
          }
          if (after instanceof Error) {
            tally.databasesLost++;
            await target.close().catch(() => {});
            target = await openFuzzTarget();
            break;
          }
        }
      }
      // The worst first: a database taken down, then 5xx, then the rest.
      const shown = failures.sort((a, b) => b.severity - a.severity).slice(0, SHOWN);
      expect(shown.map((f) => f.text), `${tally.violations} of ${tally.requests} requests`)
        .toEqual([]);
    });
  });
});

function severityOf(status: number, after: string | Error): number {
  if (after instanceof Error) return 2;
  return status >= 500 ? 1 : 0;
}

/** The document as the app serves it; reading it needs no database. */
async function readDocument(): Promise<OpenApiDocument> {
  const app = createApp({
    config: parseConfig({ PGRAG_ADMIN_KEY: "x".repeat(32) }),
    database: () => Promise.reject(new Error("the document needs no database")),
  });
  return await (await app.request(`${BASE_PATH}/openapi.json`)).json();
}

/** The failure as a reader needs it: the operation, what was sent, what was wrong. */
function describeFailure(request: FuzzRequest, found: string[]): string {
  const body = request.body ? new TextDecoder().decode(request.body) : "";
  return [
    `${request.route} [${request.mutation}; ${request.credential} credentials]`,
    `  ${request.method} ${excerpt(request.url, 120)} ${
      JSON.stringify(request.headers).slice(0, 200)
    }`,
    ...(body ? [`  body ${excerpt(body, 200)}`] : []),
    ...found.map((line) => `  → ${line}`),
  ].join("\n");
}
