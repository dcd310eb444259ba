import type { DatabaseLoad } from "./database.ts";
import { DatabaseBusyError } from "./errors.ts";

export interface AdmissionOptions {
  /** Runs that may hold a connection at once: the pool's size. */
  capacity: number;
  /** Runs that may wait for one; the next is refused at once. 0: none wait. */
  queueLimit: number;
  /** How long a run may wait before it is refused. */
  queueTimeoutMs: number;
}

/** The gate in front of the pool: a bounded queue with a bounded wait. */
export interface Admission {
  /**
   * Resolves with the function that gives the place back once one is free. Rejects with
   * DatabaseBusyError when the queue is full or the wait runs out, with the signal's reason
   * when it aborts first.
   */
  enter(signal: AbortSignal): Promise<() => void>;
  load(): DatabaseLoad;
}

interface Waiter {
  admit(): void;
}

/**
 * Admission control: at most `capacity` runs hold connections, at most `queueLimit` wait, in
 * arrival order, each for at most `queueTimeoutMs`. Beyond that a run is refused at once, so
 * an overloaded database sheds load with 503s instead of growing a queue no client waits for.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  if (options.capacity < 1) throw new RangeError("capacity must be at least 1");
  let active = 0;
  let refused = 0;
  const waiting: Waiter[] = [];

  const leave = () => {
    const next = waiting.shift();
    // The place passes straight to the first waiter, so nobody can overtake the queue.
    if (next) next.admit();
    else active--;
  };
  const placeHolder = () => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      leave();
    };
  };

  return {
    enter(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (active < options.capacity) {
        active++;
        return Promise.resolve(placeHolder());
      }
      if (waiting.length >= options.queueLimit) {
        refused++;
        return Promise.reject(
          new DatabaseBusyError(`${waiting.length} requests already wait for the database`),
        );
      }
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          admit() {
            done();
            resolve(placeHolder());
          },
        };
        const timer = setTimeout(() => {
          done();
          refused++;
          reject(
            new DatabaseBusyError(
              `no database connection was free within ${options.queueTimeoutMs} ms`,
            ),
          );
        }, options.queueTimeoutMs);
        const onAbort = () => {
          done();
          reject(signal.reason);
        };
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          const index = waiting.indexOf(waiter);
          if (index >= 0) waiting.splice(index, 1);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiting.push(waiter);
      });
    },
    load() {
      return {
        capacity: options.capacity,
        active,
        waiting: waiting.length,
        queueLimit: options.queueLimit,
        refused,
      };
    },
  };
}
