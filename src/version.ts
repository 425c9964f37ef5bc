/**
 * Version of the proxy. The build script replaces the commit placeholder in
 * the bundle with the git commit it was built from.
 *
 * @module
 */

/** Semantic version, as in deno.json. */
export const VERSION = "0.1.0";

const COMMIT_PLACEHOLDER = "__GIT_COMMIT__";
/** Git commit of the build, or "unknown" when run from source. */
export const GIT_COMMIT: string =
  "__GIT_COMMIT__" === COMMIT_PLACEHOLDER.replace("COMMIT", "COMMIT") &&
    "__GIT_COMMIT__".startsWith("__")
    ? "unknown"
    : "__GIT_COMMIT__";

/** The `--version` line. */
export function versionLine(): string {
  return `kube-nft-proxy v${VERSION} (commit ${GIT_COMMIT}, deno ${Deno.version.deno})`;
}
