import fc from "fast-check";
import { formatPath } from "../../shared/http/problem.ts";
import { hostileValue, invalidUtf8 } from "./hostile.ts";
import { Entries, jsonBytes, RawJson } from "./json-text.ts";

/** A body as sent: its bytes, its media type (null: none), and what was done to it. */
export interface MutatedBody {
  mutation: string;
  bytes: Uint8Array<ArrayBuffer>;
  contentType: string | null;
}

const JSON_TYPE = "application/json";
const encoder = new TextEncoder();

/** The ways to spoil a valid body, each an arbitrary of the body sent instead. */
export function bodyMutations(valid: unknown, bodyLimit: number): Weighted<MutatedBody>[] {
  const json = (mutation: string, value: unknown): MutatedBody => ({
    mutation,
    bytes: jsonBytes(value),
    contentType: JSON_TYPE,
  });
  const paths = pathsOf(valid);
  const objects = paths.filter((path) => isObject(at(valid, path)));
  const text = JSON.stringify(valid);
  return [
    // One value anywhere in the body replaced by a hostile one.
    weight(
      6,
      fc.tuple(fc.constantFrom(...paths), hostileValue).map(([path, hostile]) =>
        json(`body ${where(path)} ← ${hostile.label}`, replace(valid, path, hostile.value))
      ),
    ),
    // An object gains a key: an unknown one, `__proto__`, or one it has, again (the last wins).
    ...(objects.length === 0 ? [] : [
      weight(
        3,
        fc.tuple(fc.constantFrom(...objects), extraKey, hostileValue).map(
          ([path, key, hostile]) => {
            const object = at(valid, path) as Record<string, unknown>;
            const entries = Object.entries(object);
            const name = key ?? entries[0]?.[0] ?? "x";
            const added = new Entries([...entries, [name, hostile.value]]);
            return json(
              `body ${where(path)} + key "${name}" ← ${hostile.label}`,
              replace(valid, path, added),
            );
          },
        ),
      ),
      weight(
        1,
        fc.constantFrom(...objects).chain((path) =>
          fc.integer({ min: 100, max: 1_000 }).map((count) => {
            const object = at(valid, path) as Record<string, unknown>;
            const extra = Array.from({ length: count }, (_, i) => [`unknown_${i}`, i] as const);
            return json(
              `body ${where(path)} + ${count} unknown keys`,
              replace(valid, path, new Entries([...Object.entries(object), ...extra])),
            );
          })
        ),
      ),
    ]),
    // Bytes that are not JSON, or not UTF-8, or JSON of the wrong shape at the top.
    weight(
      2,
      fc.constantFrom(
        ["empty", ""],
        ["truncated", text.slice(0, Math.max(1, Math.floor(text.length / 2)))],
        ["trailing garbage", `${text} x`],
        ["two documents", `${text}${text}`],
        ["byte order mark", `\ufeff${text}`],
        ["single quotes", text.replaceAll('"', "'")],
        ["comment", `/* c */${text}`],
        ["NaN literal", '{"x": NaN}'],
        ["top-level array", `[${text}]`],
        ["top-level string", '"text"'],
        ["top-level null", "null"],
      ).map(([mutation, body]) => ({
        mutation: `body ${mutation}`,
        bytes: encoder.encode(body),
        contentType: JSON_TYPE,
      })),
    ),
    weight(
      1,
      invalidUtf8.map((hostile) => ({
        mutation: `body ${hostile.label} at the top`,
        bytes: jsonBytes(hostile.value),
        contentType: JSON_TYPE,
      })),
    ),
    // The same valid body under another media type, or none.
    weight(
      1,
      fc.constantFrom(
        null,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        "application/jsonx",
        "application/vnd.api+json",
        "APPLICATION/JSON",
      ).map((contentType) => ({
        mutation: `body as ${contentType ?? "no media type"}`,
        bytes: encoder.encode(text),
        contentType,
      })),
    ),
    // Past the body limit: rare, each one is megabytes.
    weight(
      1,
      fc.constant(null).map(() => ({
        mutation: `body of ${bodyLimit + 12} bytes`,
        bytes: jsonBytes({ padding: new RawJson(`"${"a".repeat(bodyLimit)}"`) }),
        contentType: JSON_TYPE,
      })),
    ),
  ];
}

export type Weighted<T> = { arbitrary: fc.Arbitrary<T>; weight: number };
const weight = <T>(weight: number, arbitrary: fc.Arbitrary<T>): Weighted<T> => ({
  arbitrary,
  weight,
});
const where = (path: Path) => formatPath(path) || "(root)";

/** undefined: repeat a key the object has. */
const extraKey = fc.constantFrom(undefined, "__proto__", "constructor", "unknown_field", "");

type Path = (string | number)[];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every place in a JSON value, the root (`[]`) included. */
function pathsOf(value: unknown, path: Path = []): Path[] {
  const children = Array.isArray(value)
    ? value.flatMap((item, i) => pathsOf(item, [...path, i]))
    : isObject(value)
    ? Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...path, key]))
    : [];
  return [path, ...children];
}

function at(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (node, key) => (node as Record<string | number, unknown>)[key],
    value,
  );
}

/** A copy of `value` with the node at `path` replaced. */
function replace(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [key, ...rest] = path;
  if (Array.isArray(value)) {
    return value.map((item, i) => (i === key ? replace(item, rest, replacement) : item));
  }
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(object).map(([k, v]) => [k, k === key ? replace(v, rest, replacement) : v]),
  );
}
