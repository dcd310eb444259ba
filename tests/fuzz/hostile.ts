import fc from "fast-check";
import { ByteString, Entries, RawJson } from "./json-text.ts";

/**
 * The values the fuzzer puts where a valid one was: wrong types, sizes at and past the limits,
 * every Unicode plane, deep nesting, numbers no column holds, and keys that mean something to
 * JavaScript objects. Each is labelled, so a failure names what was sent.
 */
export interface Hostile {
  label: string;
  value: unknown;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Characters that trip up text handling: NUL, controls, bidi overrides, separators, BOM. */
const AWKWARD = ["\u0000", "\u0007", "\u001b", "\u007f", "\u202e", "\u2028", "\ufeff", "\u200b"];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings from every plane, with awkward characters and lone surrogates mixed in. */
export const unicodeString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...AWKWARD), minLength: 1, maxLength: 8 }),
  fc.string({ unit: loneSurrogate, minLength: 1, maxLength: 4 }),
  fc.string({ unit: fc.integer({ min: 0x10000, max: 0x10ffff }).map(String.fromCodePoint) }),
  fc.constantFrom("", " ", "\t\n", "..", "../../etc/passwd", "*", "%", "%00", "'; drop table x;--"),
);

/** Long strings around the limits: 64 KiB (metadata), 1 MiB (text) and one byte past it. */
const longString = fc.constantFrom(4 * KIB, 64 * KIB + 1, MIB + 1).chain((length) =>
  fc.constantFrom("a", "é", "😀").map((unit) => unit.repeat(Math.ceil(length / unit.length)))
);

/** Numbers at the edges of doubles, integers and PostgreSQL's integer columns. */
const edgeNumber = fc.constantFrom(
  -0,
  5e-324,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 63,
  0.1 + 0.2,
  -1,
);

/** Number literals past what a double holds exactly, or at all: JSON allows them. */
const numberLiteral = fc.constantFrom(
  "1e400",
  "-1e400",
  "1E+999",
  "123456789012345678901234567890",
  "0.0000000000000000000000000000000000001",
  "-0.0",
  "1e-400",
).map((text) => new RawJson(text));

/** Arrays or objects nested this deep: past any depth a schema or a jsonb reader expects. */
const deepNesting = fc.tuple(fc.constantFrom(64, 1_000, 10_000), fc.boolean()).map(
  ([depth, objects]) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = objects ? { a: value } : [value];
    return { label: `nested ${depth} deep (${objects ? "objects" : "arrays"})`, value };
  },
);

/** Keys with a meaning on JavaScript objects, written into the JSON text so they survive. */
const prototypeKeys = fc.tuple(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"),
  fc.jsonValue({ maxDepth: 1 }),
).map(([key, value]) => ({ label: `{"${key}": …}`, value: new Entries([[key, value]]) }));

/** Bytes that are not UTF-8 inside a string literal: stray continuation, overlong, surrogates. */
export const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xfe, 0xff, 0xff],
).map((bytes) => ({
  label: `invalid UTF-8 ${bytes.map((b) => b.toString(16)).join(" ")}`,
  value: new ByteString("a", new Uint8Array(bytes), "b"),
}));

const labelled = (label: string) => (value: unknown): Hostile => ({ label, value });

/** Any hostile JSON value. */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom(null, true, false, 0, "", [], {}, [[]], { "": "" }).map(labelled("wrong type")),
  unicodeString.map(labelled("unicode string")),
  longString.map((s) => ({ label: `string of ${s.length} characters`, value: s })),
  edgeNumber.map((n) => ({ label: `number ${Object.is(n, -0) ? "-0" : n}`, value: n })),
  numberLiteral.map((raw) => ({ label: `number literal ${raw.text}`, value: raw })),
  deepNesting,
  prototypeKeys,
  invalidUtf8,
  fc.jsonValue({ maxDepth: 3 }).map(labelled("any JSON")),
);

/**
 * A hostile string for a path or query parameter, percent-encoded or as raw URL text (invalid
 * escapes, overlong encodings, an encoded slash, NUL), with what it is.
 */
export const hostileUrlText: fc.Arbitrary<Hostile> = fc.oneof(
  unicodeString.map((s) => ({ label: "unicode", value: encodeURIComponent(toWellFormed(s)) })),
  fc.constantFrom("%FF", "%C0%80", "%ED%A0%80", "%E2%82", "%", "%ZZ", "%2F", "%00", "%2e%2e")
    .map(labelled("raw escape")),
  fc.constantFrom(1_000, 10_000).map((n) => ({ label: `${n} characters`, value: "x".repeat(n) })),
  fc.constantFrom("1e400", "-1", "NaN", "Infinity", "0x10", "99999999999999999999", "1.5", "")
    .map(labelled("number text")),
);

/** encodeURIComponent throws on lone surrogates; a browser sends them as U+FFFD. */
function toWellFormed(text: string): string {
  return text.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}
