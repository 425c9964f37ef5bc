/**
 * Readers of the files under deploy/ for tests: the systemd unit's directives
 * and commands (as systemd expands them), the identity it gives the process
 * (as `setpriv` arguments), and the DaemonSet's proxy container.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";

/** The deploy/ directory of this checkout. */
export const DEPLOY_DIR: string = new URL("../../deploy/", import.meta.url).pathname;

/** Sections of a unit file: directive name → values, in order. */
export type Unit = Map<string, Map<string, string[]>>;

/** A unit file that cannot be read as systemd would. */
export class UnitParseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnitParseError";
  }
}

/** Parses a systemd unit: `\` line continuations joined, comments dropped. */
export function parseUnit(text: string): Unit {
  const sections: Unit = new Map();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, " ").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = line.match(/^\[(.+)\]$/);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || eq <= 0) throw new UnitParseError(`bad unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** The one value of `[section] key`, or undefined. */
export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

/** `Environment=` assignments of `[Service]`, later ones winning. */
export function unitEnvironment(unit: Unit): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of unit.get("Service")?.get("Environment") ?? []) {
    for (const assignment of value.split(/\s+/)) {
      const eq = assignment.indexOf("=");
      if (eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  return env;
}

/**
 * The words of a command directive (`ExecStart`, `ExecStartPre`, ...) as
 * systemd runs them: `${VAR}` replaced from `Environment=` (then
 * `overrides`, as a drop-in would), and the `-` prefix (ignore failure)
 * reported separately.
 */
export function unitCommand(
  unit: Unit,
  key: string,
  overrides: Record<string, string> = {},
): { argv: string[]; ignoreFailure: boolean } {
  const value = unitValue(unit, "Service", key);
  if (value === undefined) throw new UnitParseError(`the unit has no ${key}=`);
  const env = { ...unitEnvironment(unit), ...overrides };
  const ignoreFailure = value.startsWith("-");
  const words = value.replace(/^[-@:+!]+/, "").split(/\s+/).map((w) =>
    w.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      if (!(name in env)) throw new UnitParseError(`${key} uses \${${name}}, which is not set`);
      return env[name];
    })
  );
  return { argv: words, ignoreFailure };
}

/**
 * `setpriv` arguments that give a process the unit's identity: the unit's
 * user (a `DynamicUser=` becomes `nobody`, 65534), its ambient and bounding
 * capabilities, and `NoNewPrivileges=`.
 */
export function unitSetpriv(unit: Unit): string[] {
  const service = unit.get("Service") ?? new Map<string, string[]>();
  const one = (k: string) => service.get(k)?.at(-1);
  const caps = (k: string) =>
    (one(k) ?? "").split(/\s+/).filter((c) => c !== "").map((c) =>
      `+${c.replace(/^CAP_/, "").toLowerCase()}`
    );
  const args: string[] = [];
  if (one("DynamicUser") === "yes") args.push("--reuid=65534", "--regid=65534", "--clear-groups");
  else if (one("User") && one("User") !== "root") {
    throw new UnitParseError("only DynamicUser= or root can be emulated here");
  }
  const ambient = caps("AmbientCapabilities");
  args.push(`--inh-caps=-all${ambient.map((c) => `,${c}`).join("")}`);
  args.push(`--ambient-caps=-all${ambient.map((c) => `,${c}`).join("")}`);
  const bounding = caps("CapabilityBoundingSet");
  if (bounding.length > 0) args.push(`--bounding-set=-all${bounding.map((c) => `,${c}`).join("")}`);
  if (one("NoNewPrivileges") === "yes") args.push("--no-new-privs");
  return ["setpriv", ...args];
}

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/** Every object of the YAML files under deploy/. */
export function deployObjects(): Obj[] {
  const out: Obj[] = [];
  for (const name of ["daemonset.yaml", "rbac.yaml", "configmap.yaml"]) {
    for (const doc of parseAllDocuments(Deno.readTextFileSync(`${DEPLOY_DIR}${name}`))) {
      const value = doc.toJS();
      if (value !== null) out.push(value);
    }
  }
  return out;
}

/** The DaemonSet's proxy container and the pod spec around it. */
export function proxyContainer(): { pod: Obj; container: Obj } {
  const ds = deployObjects().find((o) => o.kind === "DaemonSet");
  if (!ds) throw new Error("deploy/daemonset.yaml has no DaemonSet");
  const pod = ds.spec.template.spec;
  const container = pod.containers.find((c: Obj) => c.name === "kube-proxy");
  if (!container) throw new Error("the DaemonSet has no kube-proxy container");
  return { pod, container };
}
