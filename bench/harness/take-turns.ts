/**
 * Round after round, every contestant (a method, a side of a comparison) takes one turn, each
 * round starting with the next contestant in the rotation. A burst of noise on a shared machine
 * then lands on all of them alike, and the ratios measured between them in one run stay fair.
 */
export async function takeTurns<T>(
  contestants: readonly T[],
  rounds: number,
  turn: (contestant: T, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < contestants.length; offset++) {
      await turn(contestants[(round + offset) % contestants.length], round);
    }
  }
}
