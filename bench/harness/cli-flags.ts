/**
 * A minimal `--flag value` / `--flag=value` / `--switch` parser shared by the benchmarks, so
 * each one declares its flags in one place and a typo fails loudly instead of being ignored.
 */
export interface FlagSpec {
  /** Flags that take a value. */
  readonly values: readonly string[];
  /** Flags that are on when present. */
  readonly switches: readonly string[];
}

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument: ${arg}`);
    const [name, inline] = splitOnce(arg.slice(2), "=");
    if (spec.switches.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
    } else if (spec.values.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown flag: --${name}`);
    }
  }
  return { values, switches };
}

/** A positive integer flag, or `fallback` when absent. */
export function positiveIntFlag(flags: ParsedFlags, name: string, fallback: number): number {
  const text = flags.values.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} must be a positive integer, not ${text}`);
  }
  return value;
}

/** A comma-separated list flag whose items must be among `allowed`, or all of them when absent. */
export function listFlag<T extends string>(
  flags: ParsedFlags,
  name: string,
  allowed: readonly T[],
): T[] {
  const text = flags.values.get(name);
  if (text === undefined) return [...allowed];
  const items = text.split(",").map((item) => item.trim()).filter(Boolean);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(`--${name}: unknown item ${item}; choose from ${allowed.join(", ")}`);
    }
  }
  // Keep the canonical order whatever order the items were given in.
  return allowed.filter((item) => items.includes(item));
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
