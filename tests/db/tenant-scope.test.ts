import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Statement } from "../../shared/db/database.ts";
import { DatabaseError } from "../../shared/db/errors.ts";
import { problemFromDatabaseError } from "../../shared/http/sqlstate.ts";
import { createTenant, openTestDatabase, type TestDatabase } from "../support/database.ts";

const insertDocument = (tenantId: string, id: string, content = "some text"): Statement => ({
  text: "insert into pgrag.documents (tenant_id, id, content) values ($1, $2, $3)",
  params: [tenantId, id, content],
});
const countDocuments: Statement = { text: "select count(*)::int as n from pgrag.documents" };

describe("Database.run() tenant scope", () => {
  let test: TestDatabase;
  let db: Database;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    test = await openTestDatabase();
    db = test.db;
    tenantA = await createTenant(db, "A");
    tenantB = await createTenant(db, "B");
    await db.run({ role: "api", tenantId: tenantA }, [
      insertDocument(tenantA, "doc-a1"),
      insertDocument(tenantA, "doc-a2"),
    ]);
  });
  afterAll(() => test.close());

  const asA = (statements: Statement[]) => db.run({ role: "api", tenantId: tenantA }, statements);
  const asB = (statements: Statement[]) => db.run({ role: "api", tenantId: tenantB }, statements);

  it("returns each statement's rows in order", async () => {
    const [first, second] = await asA([
      { text: "select $1::int as x", params: [7] },
      { text: "select current_user as role, pgrag.current_tenant_id() as tenant" },
    ]);
    expect(first).toEqual([{ x: 7 }]);
    expect(second).toEqual([{ role: "pgrag_api", tenant: tenantA }]);
  });

  it("shows a tenant only its own rows", async () => {
    const [[a]] = await asA([countDocuments]);
    const [[b]] = await asB([countDocuments]);
    expect(a.n).toBe(2);
    expect(b.n).toBe(0);
  });

  it("gives another tenant nothing for guessed ids: no read, no update, no delete", async () => {
    const [read, updated, deleted] = await asB([
      { text: "select * from pgrag.documents where id = $1", params: ["doc-a1"] },
      {
        text: "update pgrag.documents set title = 'x' where id = $1 returning id",
        params: ["doc-a1"],
      },
      { text: "delete from pgrag.documents where id = $1 returning id", params: ["doc-a2"] },
    ]);
    expect([read, updated, deleted]).toEqual([[], [], []]);
    const [rows] = await asA([{
      text: "select id, title from pgrag.documents order by id",
    }]);
    expect(rows).toEqual([{ id: "doc-a1", title: null }, { id: "doc-a2", title: null }]);
  });

  it("refuses a write into another tenant with a row level security violation", async () => {
    const attempt = asB([insertDocument(tenantA, "planted")]);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseError);
    await expect(attempt).rejects.toMatchObject({ sqlstate: "42501" });
    const [[a]] = await asA([countDocuments]);
    expect(a.n).toBe(2);
  });

  it("fails closed without tenant context: zero rows, and writes refused", async () => {
    const [[seen]] = await db.run({ role: "api", tenantId: null }, [countDocuments]);
    expect(seen.n).toBe(0);
    await expect(db.run({ role: "api", tenantId: null }, [insertDocument(tenantA, "orphan")]))
      .rejects.toMatchObject({ sqlstate: "42501" });
  });

  it("rolls the whole transaction back when one statement fails", async () => {
    const attempt = asA([
      insertDocument(tenantA, "doc-a3"),
      insertDocument(tenantA, "doc-a4", "   "), // violates the non-empty content check
      insertDocument(tenantA, "doc-a5"),
    ]);
    await expect(attempt).rejects.toMatchObject({ sqlstate: "23514" });
    const [[a]] = await asA([countDocuments]);
    expect(a.n).toBe(2);
  });

  it("reports constraint violations with SQLSTATE and constraint, mapped to client problems", async () => {
    const error = await asA([insertDocument(tenantA, "doc-a1")]).catch((e) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqlstate).toBe("23505");
    expect(error.constraint).toBe("documents_pkey");
    expect(problemFromDatabaseError(error)?.code).toBe("conflict");

    const nul = await asA([insertDocument(tenantA, "doc-nul", "a\u0000b")]).catch((e) => e);
    expect(nul).toBeInstanceOf(DatabaseError);
    expect(problemFromDatabaseError(nul)?.status).toBe(400);
  });

  it("passes pgrag's own SQLSTATEs through with their message", async () => {
    const error = await asA([{
      text: "do $$ begin raise exception 'no such thing' using errcode = 'PR404'; end $$",
    }]).catch((e) => e);
    expect(error).toMatchObject({ sqlstate: "PR404" });
    const problem = problemFromDatabaseError(error);
    expect(problem).toMatchObject({ code: "not_found", status: 404, detail: "no such thing" });
  });

  it("keeps the admin role away from tenant data", async () => {
    await expect(db.run({ role: "admin" }, [countDocuments])).rejects.toMatchObject({
      sqlstate: "42501",
    });
  });

  it("drops the role and the tenant when the transaction ends", async () => {
    await asA([countDocuments]);
    const rows = await db.transaction((tx) =>
      tx.query(
        "select current_user as role, current_setting('pgrag.tenant_id', true) as tenant",
      )
    );
    expect(rows[0].role).not.toMatch(/^pgrag_/);
    expect(rows[0].tenant ?? "").toBe("");
  });
});
