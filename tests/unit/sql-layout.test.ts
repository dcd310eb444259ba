import { describe, expect, it } from "vitest";
import { loadProjectSchema } from "../../shared/db/migrations.ts";

const FUNCTION_CREATE = /create\s+(?:or\s+replace\s+)?function\s+(pgrag\.\w+)/gi;
// What belongs in sql/logic/: it can be re-created from its text, so it has one current
// definition there instead of a history of redefinitions across migrations.
const LOGIC_ONLY = [
  // A pg_temp function is a migration's own tool (filling a column, say): gone when it ends.
  /create\s+(or\s+replace\s+)?function\s+(?!pg_temp\.)/i,
  /create\s+(or\s+replace\s+)?trigger/i,
  /create\s+policy/i,
  /create\s+(or\s+replace\s+)?view/i,
  /(comment\s+on|grant\s+execute\s+on|alter)\s+function/i,
];

describe("sql/", () => {
  it("creates each pgrag function in exactly one place, a logic file", async () => {
    const schema = await loadProjectSchema();
    const places = new Map<string, string[]>();
    for (const file of [...schema.migrations, ...schema.logic]) {
      for (const [, name] of file.sql.matchAll(FUNCTION_CREATE)) {
        places.set(name, [...places.get(name) ?? [], file.name]);
      }
    }
    expect(places.size).toBeGreaterThan(60);
    const elsewhere = [...places].filter(([, files]) =>
      files.length !== 1 || !schema.logic.some((file) => file.name === files[0])
    );
    expect(elsewhere).toEqual([]);
  });

  it("keeps functions, triggers, policies and views out of the migrations", async () => {
    const { migrations } = await loadProjectSchema();
    const offenders = migrations.flatMap((m) =>
      LOGIC_ONLY.filter((pattern) => pattern.test(withoutComments(m.sql)))
        .map((pattern) => `${m.name}: ${pattern.source}`)
    );
    expect(offenders).toEqual([]);
  });
});

function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "");
}
