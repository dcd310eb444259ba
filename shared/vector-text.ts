/**
 * pgvector's text form of an embedding, shortest that still round-trips: pgvector stores single
 * precision, and 9 significant digits name every float32 exactly (JavaScript's own number
 * formatting would print each float32 as the ~18-digit double it widens to). The text is what
 * PostgreSQL parses for every stored vector, so its length is most of the cost of a bulk write.
 */
export function vectorLiteral(values: ArrayLike<number>): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = Math.fround(values[i]).toPrecision(9);
  return `[${parts.join(",")}]`;
}
