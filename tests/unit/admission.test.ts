import { describe, expect, it } from "vitest";
import { createAdmission } from "../../shared/db/admission.ts";
import { DatabaseBusyError } from "../../shared/db/errors.ts";

const never = new AbortController().signal;

describe("createAdmission()", () => {
  it("admits up to its capacity, queues up to its limit and refuses the next at once", async () => {
    const gate = createAdmission({ capacity: 2, queueLimit: 1, queueTimeoutMs: 10_000 });
    const first = await gate.enter(never);
    await gate.enter(never);
    const queued = gate.enter(never);
    const started = performance.now();
    await expect(gate.enter(never)).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(performance.now() - started).toBeLessThan(50);
    expect(gate.load()).toEqual({
      capacity: 2,
      active: 2,
      waiting: 1,
      queueLimit: 1,
      refused: 1,
    });
    first();
    first(); // a second call gives nothing back twice
    await queued;
    expect(gate.load()).toMatchObject({ active: 2, waiting: 0 });
  });

  it("hands free places out in arrival order", async () => {
    const gate = createAdmission({ capacity: 1, queueLimit: 3, queueTimeoutMs: 10_000 });
    const holder = await gate.enter(never);
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      gate.enter(never).then((leave) => {
        order.push(n);
        leave();
      })
    );
    holder();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    expect(gate.load()).toMatchObject({ active: 0, waiting: 0 });
  });

  it("refuses a run whose wait runs out, and counts it", async () => {
    const gate = createAdmission({ capacity: 1, queueLimit: 5, queueTimeoutMs: 50 });
    await gate.enter(never);
    const started = performance.now();
    await expect(gate.enter(never)).rejects.toThrow(/within 50 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(gate.load()).toMatchObject({ waiting: 0, refused: 1 });
  });

  it("drops a waiter whose run is abandoned, with the signal's reason", async () => {
    const gate = createAdmission({ capacity: 1, queueLimit: 5, queueTimeoutMs: 10_000 });
    const holder = await gate.enter(never);
    const controller = new AbortController();
    const waiting = gate.enter(controller.signal);
    const reason = new Error("client gone");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(gate.load()).toMatchObject({ waiting: 0, refused: 0 });
    holder();
    expect(gate.load()).toMatchObject({ active: 0 });
  });

  it("with a queue of 0 refuses as soon as every place is taken", async () => {
    const gate = createAdmission({ capacity: 1, queueLimit: 0, queueTimeoutMs: 1000 });
    await gate.enter(never);
    await expect(gate.enter(never)).rejects.toBeInstanceOf(DatabaseBusyError);
  });
});
