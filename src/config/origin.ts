/**
 * Where a configuration value came from: a command-line flag, a field of the
 * `--config` file, or the default. Error messages and warnings name it, so
 * that an operator knows which line to fix.
 *
 * @module
 */

/** The origin of one configuration value. */
export type Origin =
  | { kind: "default" }
  | { kind: "flag"; flag: string }
  | { kind: "file"; field: string; file: string };

/** The origin of a value nobody set. */
export const DEFAULT_ORIGIN: Origin = Object.freeze({ kind: "default" });

/** A flag origin; `flag` is the name without dashes (`cluster-cidr`). */
export function flagOrigin(flag: string): Origin {
  return { kind: "flag", flag };
}

/** A file origin: `field` is the dotted path (`nftables.syncPeriod`). */
export function fileOrigin(file: string, field: string): Origin {
  return { kind: "file", field, file };
}

/**
 * Names an origin for a message: `--cluster-cidr`, `clusterCIDR in
 * /etc/kube-proxy/config.conf`, or `the default`.
 */
export function describeOrigin(origin: Origin): string {
  switch (origin.kind) {
    case "flag":
      return `--${origin.flag}`;
    case "file":
      return `${origin.field} in ${origin.file}`;
    case "default":
      return "the default";
  }
}
