/**
 * JSON text that JSON.stringify cannot write: numbers past a double (`1e400`), objects with
 * duplicate or `__proto__` keys, and strings holding bytes that are not UTF-8. A body is a tree
 * of plain JSON values and these nodes, serialized to bytes by `jsonBytes`.
 */

/** Text put into the JSON verbatim, e.g. a number literal no double can hold. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written as its entries in order, so keys may repeat or be `__proto__`. */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** A string literal whose content is these bytes, as they are (invalid UTF-8 included). */
export class ByteString {
  constructor(readonly before: string, readonly bytes: Uint8Array, readonly after: string) {}
}

const encoder = new TextEncoder();

export function jsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  write(value, parts);
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Written with an explicit stack of pending work, so that deeply nested bodies don't overflow. */
function write(root: unknown, parts: Uint8Array[]): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value instanceof Text) {
      parts.push(encoder.encode(value.text));
    } else if (value instanceof RawJson) {
      parts.push(encoder.encode(value.text));
    } else if (value instanceof ByteString) {
      const quoted = (s: string) => JSON.stringify(s).slice(1, -1);
      parts.push(encoder.encode(`"${quoted(value.before)}`), value.bytes);
      parts.push(encoder.encode(`${quoted(value.after)}"`));
    } else if (value instanceof Entries || isPlainObject(value)) {
      const entries = value instanceof Entries ? value.entries : Object.entries(value);
      stack.push(new Text("}"));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i];
        stack.push(item, new Text(`${i > 0 ? "," : ""}${JSON.stringify(key)}:`));
      }
      stack.push(new Text("{"));
    } else if (Array.isArray(value)) {
      stack.push(new Text("]"));
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push(value[i], new Text(i > 0 ? "," : ""));
      }
      stack.push(new Text("["));
    } else {
      // Scalars; JSON.stringify writes non-finite numbers as null, which is what a client would send.
      parts.push(encoder.encode(JSON.stringify(value ?? null)));
    }
  }
}

/** Punctuation on the work stack. */
class Text {
  constructor(readonly text: string) {}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
