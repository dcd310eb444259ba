/**
 * `--flag value` / `--flag=value` / `--switch` parsing. Each benchmark declares its flags once,
 * as a list of `Flag`s: the same list checks the arguments (a typo fails loudly instead of being
 * ignored) and writes the flags section of its --help, so the two never disagree.
 */
export interface Flag {
  readonly name: string;
  /** What the value looks like in the help (`N`, `LIST`); absent for a switch. */
  readonly value?: string;
  /** The help text; further lines (after `\n`) are indented under the first. */
  readonly help: string;
}

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseFlags(args: readonly string[], flags: readonly Flag[]): ParsedFlags {
  const declared = new Map(flags.map((flag) => [flag.name, flag]));
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument: ${arg}`);
    const [name, inline] = splitOnce(arg.slice(2), "=");
    const flag = declared.get(name);
    if (flag === undefined) throw new UsageError(`unknown flag: --${name}`);
    if (flag.value === undefined) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      switches.add(name);
    } else {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    }
  }
  return { values, switches };
}

/** The flags as help lines: `--name VALUE` in one column, the help text beside it. */
export function flagsHelp(flags: readonly Flag[]): string {
  const usage = (flag: Flag) => `--${flag.name}${flag.value ? ` ${flag.value}` : ""}`;
  const width = Math.max(...flags.map((flag) => usage(flag).length)) + 2;
  return flags.map((flag) => {
    const [first, ...more] = flag.help.split("\n");
    return [
      `  ${usage(flag).padEnd(width)}${first}`,
      ...more.map((line) => " ".repeat(width + 2) + line),
    ]
      .join("\n");
  }).join("\n");
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

/** A positive integer flag, or undefined when absent (the default is someone else's). */
export function optionalIntFlag(flags: ParsedFlags, name: string): number | undefined {
  return flags.values.has(name) ? positiveIntFlag(flags, name, 0) : undefined;
}

/** A number ≥ 0, or undefined when absent. */
export function optionalWeightFlag(flags: ParsedFlags, name: string): number | undefined {
  const text = flags.values.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${name} must be a number ≥ 0, not ${text}`);
  }
  return value;
}

/** A flag whose value must be one of `allowed`, or `fallback` when absent. */
export function choiceFlag<T extends string>(
  flags: ParsedFlags,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const text = flags.values.get(name);
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, not ${text}`);
  }
  return text as T;
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
