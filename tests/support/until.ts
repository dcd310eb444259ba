/** Polls `check` every 50 ms until it holds (true) or `withinMs` have passed (false). */
export async function until(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > withinMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
