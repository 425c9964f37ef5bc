/**
 * Command-line parsing with pflag's conventions, as kube-proxy users write
 * it: `--flag=value` and `--flag value`; booleans as `--flag`,
 * `--flag=true` and `--flag=false` (a bare boolean never takes the next word);
 * `-v=4`, `-v 4` and `-v4`; `-h`. A repeated flag replaces the earlier value,
 * except upstream's string slices (`--nodeport-addresses`), which append.
 * Unknown flags and bad values fail, naming the flag.
 *
 * @module
 */

import { ConfigError, invalidValue } from "./config_error.ts";
import { parseDuration } from "./duration.ts";
import { type FlagSpec, lookupFlag } from "./flag_table.ts";
import { flagOrigin } from "./origin.ts";

/** A flag value after parsing. */
export type FlagValue = string | boolean | number | string[] | Record<string, boolean>;

/** One flag as given on the command line (the last occurrence). */
export interface GivenFlag {
  name: string;
  spec: FlagSpec;
  /** The text given (for slices that append: all occurrences, comma-joined). */
  raw: string;
  value: FlagValue;
}

/** Parsed argv: the flags given (in order of first appearance) and the positional words. */
export interface ParsedArgs {
  flags: Map<string, GivenFlag>;
  positional: string[];
}

function convert(name: string, spec: FlagSpec, raw: string): FlagValue {
  const bad = (want: string) => invalidValue(flagOrigin(name), raw, want);
  switch (spec.kind) {
    case "string":
      return raw;
    case "bool":
      if (raw === "true" || raw === "") return true;
      if (raw === "false") return false;
      throw bad("want true or false");
    case "int":
      if (!/^[-+]?[0-9]+$/.test(raw.trim())) throw bad("want an integer");
      return Number(raw);
    case "float":
      if (!/^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(raw.trim())) {
        throw bad("want a number");
      }
      return Number(raw);
    case "duration": {
      const ms = parseDuration(raw);
      if (ms === undefined) throw bad("want a duration such as 30s, 1m30s or 500ms");
      return ms;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "map": {
      const out: Record<string, boolean> = {};
      for (const pair of raw.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
        const m = /^([A-Za-z0-9_.-]+)=(true|false)$/.exec(pair);
        if (!m) throw bad("want key=true|false pairs, comma-separated");
        out[m[1]] = m[2] === "true";
      }
      return out;
    }
  }
}

/**
 * Parses argv. Positional words are returned apart; `--` ends the flags.
 *
 * @throws {ConfigError} for an unknown flag, a missing argument or a bad value.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, GivenFlag>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let inline: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    let found = lookupFlag(name);
    // pflag shorthand with the value attached: -v4.
    if (!found && !arg.startsWith("--") && inline === undefined && name.length > 1) {
      const short = lookupFlag(name[0]);
      if (short?.spec.short === name[0]) {
        found = short;
        inline = name.slice(1);
      }
    }
    if (!found) throw new ConfigError(`unknown flag: ${arg.split("=")[0]} (see --help)`);
    name = found.name;
    const { spec } = found;
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (spec.kind === "bool") raw = "true";
    else {
      if (i + 1 >= argv.length) throw new ConfigError(`flag needs an argument: --${name}`);
      raw = argv[++i];
    }
    const value = convert(name, spec, raw);
    const before = flags.get(name);
    if (spec.append && before && Array.isArray(before.value) && Array.isArray(value)) {
      flags.set(name, {
        name,
        spec,
        raw: `${before.raw},${raw}`,
        value: [...before.value, ...value],
      });
    } else {
      flags.set(name, { name, spec, raw, value });
    }
  }
  return { flags, positional };
}
