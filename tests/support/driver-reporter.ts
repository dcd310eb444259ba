import type { Reporter, TestModule } from "vitest/node";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints the results per driver (one vitest project each) and ends the run with the line
 * `N passed, N failed` that CI reads. A test file that failed to load counts as one failure.
 */
export default class DriverReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const tallies = new Map<string, Tally>();
    for (const module of testModules) {
      const tally = tallies.get(module.project.name) ??
        { passed: 0, failed: 0, skipped: 0 };
      tallies.set(module.project.name, tally);
      let tests = 0;
      for (const test of module.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === "passed") tally.passed++;
        else if (state === "failed") tally.failed++;
        else tally.skipped++;
      }
      if (tests === 0 && module.state() === "failed") tally.failed++;
    }
    const total: Tally = { passed: 0, failed: errors.length, skipped: 0 };
    console.log("\nresults per driver:");
    for (const [name, tally] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
      console.log(
        `  ${name.padEnd(10)} ${tally.passed} passed, ${tally.failed} failed` +
          (tally.skipped ? `, ${tally.skipped} skipped` : ""),
      );
      total.passed += tally.passed;
      total.failed += tally.failed;
      total.skipped += tally.skipped;
    }
    if (process.env.PGRAG_TEST_SERVER_MISSING) {
      console.log(`\n${process.env.PGRAG_TEST_SERVER_MISSING}`);
    }
    console.log(
      `${total.passed} passed, ${total.failed} failed` +
        (total.skipped ? `, ${total.skipped} skipped` : ""),
    );
  }
}
