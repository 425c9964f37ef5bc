/**
 * Reads a kubeconfig file's YAML without ever putting its content in an
 * error: a kubeconfig holds tokens, passwords and private keys, and YAML
 * parsers quote the offending lines in their messages. Errors here name the
 * file and line and give the parser's reason with anything taken from the
 * file (quoted names, tags, aliases) cut off, on one line.
 *
 * @module
 */

// @ts-types="@types/js-yaml"
import yaml from "js-yaml";
import { KubeConfigError } from "./errors.ts";

/** The parts of a js-yaml exception that carry no file content. */
interface YamlExceptionLike {
  name?: string;
  reason?: unknown;
  mark?: { line?: unknown };
}

/**
 * A parser's reason without file content: js-yaml's reasons are fixed
 * phrases, some followed by a name from the file (`unidentified alias "x"`,
 * `unknown tag !<x>`, `tag name is malformed: x`); keep the phrase only.
 */
export function safeReason(error: unknown): string {
  const err = error as YamlExceptionLike;
  const raw = typeof err?.reason === "string" ? err.reason : "";
  const phrase = raw.split(/["'`]|!<|: |\n/)[0].trim();
  return /^[a-z][\w\s,;.()-]*$/i.test(phrase) ? phrase : "invalid YAML";
}

/** The 1-based line of a js-yaml exception, if it has one. */
export function yamlErrorLine(error: unknown): number | undefined {
  const line = (error as YamlExceptionLike)?.mark?.line;
  return typeof line === "number" ? line + 1 : undefined;
}

/** Whether `e` is a YAML syntax error (from js-yaml 4 or client-node's js-yaml). */
export function isYamlError(error: unknown): boolean {
  return (error as YamlExceptionLike)?.name === "YAMLException";
}

/**
 * Reads and parses a kubeconfig file.
 *
 * @throws {KubeConfigError} `kubeconfig FILE: cannot read: ...` or
 * `kubeconfig FILE:LINE: cannot parse: <reason>`, never quoting the file.
 */
export function readKubeconfig(file: string): unknown {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    // Deno's read errors name the path and the OS error, nothing of the content.
    throw new KubeConfigError(file, undefined, `cannot read: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    return yaml.load(text);
  } catch (e) {
    if (!isYamlError(e)) {
      throw new KubeConfigError(file, undefined, `cannot parse: ${(e as Error)?.name}`);
    }
    // No `cause`: the parser's own message quotes the lines around the error.
    throw new KubeConfigError(file, undefined, `cannot parse: ${safeReason(e)}`, {
      line: yamlErrorLine(e),
    });
  }
}

/** A string field of `users[name].user` in a parsed kubeconfig, or undefined. */
export function rawUserField(doc: unknown, userName: string, field: string): string | undefined {
  const users = (doc as { users?: unknown })?.users;
  if (!Array.isArray(users)) return undefined;
  const user = users.find((u) => u?.name === userName)?.user;
  const v = typeof user === "object" && user !== null ? user[field] : undefined;
  return typeof v === "string" && v !== "" ? v : undefined;
}
