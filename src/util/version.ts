/**
 * Version of the proxy. The build script (scripts/build.ts) replaces the
 * commit placeholder in the bundle with the git commit it was built from.
 *
 * @module
 */

/** Semantic version, as in deno.json. */
export const VERSION = "0.1.0";

const BUILD_COMMIT: string = "__GIT_COMMIT__";

/** Git commit of the build, or "unknown" when run from source. */
export const GIT_COMMIT: string = BUILD_COMMIT.startsWith("__") ? "unknown" : BUILD_COMMIT;

/** The `--version` line. */
export function versionLine(): string {
  return `kube-nft-proxy v${VERSION} (commit ${GIT_COMMIT}, deno ${Deno.version.deno})`;
}
