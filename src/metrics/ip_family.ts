/**
 * IP families as Kubernetes spells them (`IPv4`, `IPv6`), the values of the
 * `ip_family` metric label and of the per-family health status.
 *
 * @module
 */

/** An IP family as Kubernetes spells it. */
export type IpFamily = "IPv4" | "IPv6";

/** Both families, in the order upstream lists them. */
export const IP_FAMILIES: readonly IpFamily[] = Object.freeze(["IPv4", "IPv6"]);

/**
 * Returns `family` if it is "IPv4" or "IPv6".
 *
 * @throws {RangeError} naming `what` for anything else (e.g. "ipv4", 4).
 */
export function checkIpFamily(what: string, family: unknown): IpFamily {
  if (family !== "IPv4" && family !== "IPv6") {
    throw new RangeError(
      `Cannot ${what}: unknown IP family ${JSON.stringify(family)}: use "IPv4" or "IPv6"`,
    );
  }
  return family;
}

/**
 * Returns `families` without duplicates, validated; a single family is
 * accepted too.
 *
 * @throws {RangeError} when the list is empty or holds anything but
 * "IPv4"/"IPv6".
 */
export function checkIpFamilies(
  what: string,
  families: IpFamily | Iterable<IpFamily>,
): readonly IpFamily[] {
  if (typeof families !== "string" && typeof families?.[Symbol.iterator] !== "function") {
    throw new RangeError(`Cannot ${what}: expected an IP family or a list of them`);
  }
  const list = typeof families === "string" ? [families] : [...families];
  if (list.length === 0) {
    throw new RangeError(`Cannot ${what}: expected at least one IP family, got none`);
  }
  return Object.freeze([...new Set(list.map((f) => checkIpFamily(what, f)))]);
}
