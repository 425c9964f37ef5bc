/**
 * `kubernetes_build_info`: the gauge (always 1) every Kubernetes component
 * exposes, labelled with what it was built from, so fleet dashboards that
 * group nodes by component version show this proxy too.
 *
 * The labels are upstream's (component-base/metrics): `major`, `minor`,
 * `git_version`, `git_commit`, `git_tree_state`, `build_date`, `go_version`,
 * `compiler`, `platform`. The values are this proxy's: its own version
 * (`v0.1.0`, major `0`, minor `1`), the git commit stamped in by the build
 * (or "unknown" from source), the Deno runtime where Go's version would be
 * (`go_version="deno2.9.6"`, `compiler="deno"`), and `linux/amd64`-style
 * platform names. Unknown values are upstream's defaults for an unstamped
 * build (`build_date="1970-01-01T00:00:00Z"`, empty `git_tree_state`).
 *
 * @module
 */

import { GIT_COMMIT, VERSION } from "../util/version.ts";
import { Gauge, type Registry } from "./registry.ts";

/** The labels of `kubernetes_build_info`. */
export interface BuildInfo {
  major: string;
  minor: string;
  git_version: string;
  git_commit: string;
  git_tree_state: string;
  build_date: string;
  go_version: string;
  compiler: string;
  platform: string;
}

/** Go's GOARCH names for Deno's architectures. */
const GOARCH: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

/** This build's {@linkcode BuildInfo}, from `src/util/version.ts` and the Deno runtime. */
export function currentBuildInfo(): BuildInfo {
  const [major = "", minor = ""] = VERSION.split(".");
  return {
    major,
    minor,
    git_version: `v${VERSION}`,
    git_commit: GIT_COMMIT,
    git_tree_state: "",
    build_date: "1970-01-01T00:00:00Z",
    go_version: `deno${Deno.version.deno}`,
    compiler: "deno",
    platform: `${Deno.build.os}/${GOARCH[Deno.build.arch] ?? Deno.build.arch}`,
  };
}

/**
 * Registers `kubernetes_build_info` in `registry` with value 1 and the labels
 * of `info` (each defaults to {@linkcode currentBuildInfo}'s).
 */
export function registerBuildInfo(registry: Registry, info: Partial<BuildInfo> = {}): void {
  const labels = { ...currentBuildInfo(), ...info };
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== "string") {
      throw new TypeError(`Cannot register build info: label ${k} must be a string, got ${v}`);
    }
  }
  const gauge = new Gauge<keyof BuildInfo>({
    name: "kubernetes_build_info",
    help:
      "Always 1; its labels give the version, git commit, build and runtime of this kube-nft-proxy, and the platform it runs on.",
    labelNames: Object.keys(labels) as (keyof BuildInfo)[],
    registers: [registry],
  });
  gauge.set(labels, 1);
}
