import { describe, expect, it } from "vitest";
import {
  DatabaseBusyError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  toDatabaseError,
} from "../../shared/db/errors.ts";
import { backoffMs, isRetryable } from "../../shared/db/retry.ts";

const lost = (sqlstate?: string) => new DatabaseUnavailableError("lost", { sqlstate });

describe("isRetryable()", () => {
  it("retries serialization failures and deadlocks, before or during COMMIT", () => {
    for (const sqlstate of ["40001", "40P01"]) {
      const error = new DatabaseError(sqlstate, "conflict");
      expect(isRetryable(error, false, false)).toBe(true);
      expect(isRetryable(error, true, false)).toBe(true);
    }
  });

  it("retries a lost connection before COMMIT was sent, whatever the run does", () => {
    for (const sqlstate of [undefined, "08006", "08P01", "57P01", "57P02", "57P03", "53300"]) {
      expect(isRetryable(lost(sqlstate), false, false)).toBe(true);
    }
  });

  it("retries a connection lost during COMMIT only for idempotent runs", () => {
    expect(isRetryable(lost("57P01"), true, false)).toBe(false);
    expect(isRetryable(lost(), true, false)).toBe(false);
    expect(isRetryable(lost("57P01"), true, true)).toBe(true);
    expect(isRetryable(lost(), true, true)).toBe(true);
  });

  it("never retries client errors, timeouts, refusals or resources that do not come back", () => {
    for (const sqlstate of ["23505", "PR404", "57014", "55P03", "22P02"]) {
      expect(isRetryable(new DatabaseError(sqlstate, "no"), false, true)).toBe(false);
    }
    expect(isRetryable(lost("53100"), false, true)).toBe(false);
    expect(isRetryable(lost("53200"), false, true)).toBe(false);
    expect(isRetryable(new DatabaseTimeoutError(), false, true)).toBe(false);
    expect(isRetryable(new DatabaseBusyError("full"), false, true)).toBe(false);
    expect(isRetryable(new Error("bug"), false, true)).toBe(false);
  });
});

describe("toDatabaseError()", () => {
  it("counts a FATAL error as a lost session, whatever its SQLSTATE", () => {
    const conflict = toDatabaseError({ code: "40001", severity: "FATAL", message: "recovery" });
    expect(conflict).toBeInstanceOf(DatabaseUnavailableError);
    expect(isRetryable(conflict, false, false)).toBe(true);
    expect(toDatabaseError({ code: "57P01", severity: "FATAL", message: "terminating" }))
      .toMatchObject({ name: "DatabaseUnavailableError", sqlstate: "57P01" });
    expect(toDatabaseError({ code: "40001", severity: "ERROR", message: "serialize" }))
      .toBeInstanceOf(DatabaseError);
  });

  it("tells SQLSTATEs from Node's error codes of five letters", () => {
    const pipe = toDatabaseError({ code: "EPIPE", message: "socket ended" });
    expect(pipe).toBeInstanceOf(DatabaseUnavailableError);
    expect(isRetryable(pipe, false, false)).toBe(true);
    expect(toDatabaseError({ code: "PR404", message: "gone" })).toBeInstanceOf(DatabaseError);
    expect(toDatabaseError({ code: "P0002", message: "none" })).toBeInstanceOf(DatabaseError);
  });
});

describe("backoffMs()", () => {
  it("doubles from 50 ms up to 1 s, jittered within the upper half of each step", () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(n, () => 0))).toEqual([
      25,
      50,
      100,
      200,
      400,
      500,
      500,
    ]);
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffMs(n, () => 1))).toEqual([
      50,
      100,
      200,
      400,
      800,
      1000,
      1000,
    ]);
  });
});
