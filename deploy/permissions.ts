/**
 * The Deno permission sets the proxy ships with.
 *
 * - {@linkcode daemonPermissions}: the long-running proxy, scoped to the
 *   paths, hosts, ports, programs, libraries and variables it uses. Some of
 *   them (the API server, the node's addresses, extra certificate paths) are
 *   known only where it is installed, so the systemd unit and the DaemonSet
 *   pass this set explicitly (`deno run <flags> kube-proxy.js ...`);
 *   `tests/unit/deploy/deploy_files_test.ts` checks that both carry exactly this set.
 * - {@linkcode CLI_PERMISSIONS}: the first line of `dist/kube-proxy.js`, for
 *   running it by hand (`--dry-run`, `explain`, `--cleanup`, `--version`).
 *
 * What Deno cannot scope, and why:
 * - Ports of health-check node ports: they are allocated per Service from the
 *   NodePort range and Deno has no port ranges, so the node's addresses are
 *   granted with every port.
 * - `/proc` and `/sys`: Deno 2.9 allows them only with `--allow-all`. The
 *   daemon therefore never writes sysctls itself; `--init-only` does, run
 *   with `-A` before the daemon (an `ExecStartPre=` of the unit, an init
 *   container of the DaemonSet), as upstream splits it.
 * - FFI: `--allow-ffi` is scoped to libc and libnftables, but libc can do
 *   anything the process can. The boundary for native code is the operating
 *   system: a non-root user or no capabilities but `CAP_NET_ADMIN`, a
 *   read-only file system.
 *
 * @module
 */

/** Environment variables the proxy reads (in-cluster configuration); all others read as unset. */
export const DAEMON_ENV: readonly string[] = ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"];

/** `Deno.hostname()` (node name) and `Deno.networkInterfaces()` (CIDR `--nodeport-addresses`). */
export const DAEMON_SYS: readonly string[] = ["hostname", "networkInterfaces"];

/** iptables tools that remove upstream kube-proxy's iptables-mode leftovers, both variants. */
export const IPTABLES_TOOLS: readonly string[] = ["iptables", "ip6tables"].flatMap((cmd) =>
  ["", "-nft", "-legacy"].flatMap((variant) =>
    ["-save", "-restore"].map((op) => `${cmd}${variant}${op}`)
  )
);

/** Programs the daemon runs; missing ones are reported by Deno at start and skipped by the proxy. */
export const DAEMON_RUN: readonly string[] = ["nft", "conntrack", ...IPTABLES_TOOLS];

/**
 * Libraries the daemon loads. Absolute paths: with a scoped `--allow-ffi`
 * Deno resolves a bare soname against the working directory and refuses it.
 * Both Debian multiarch directories are listed so one set serves amd64 and
 * arm64 (a path that does not exist grants nothing).
 */
export const DAEMON_FFI: readonly string[] = ["x86_64", "aarch64"].flatMap((arch) => [
  `/usr/lib/${arch}-linux-gnu/libnftables.so.1`,
  `/usr/lib/${arch}-linux-gnu/libc.so.6`,
]);

/**
 * V8 tuning the proxy ships with: a smaller young generation keeps the peak
 * memory of a full sync at 10k Services about 50 MB lower at no measurable
 * CPU cost (`deno task bench`, section e).
 */
export const V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=8"];

/** What only the installation knows. */
export interface SitePermissions {
  /**
   * `host:port` of the API server (the kubeconfig's `server`, or
   * `$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT` in-cluster), IPv6 in
   * brackets. Several entries for several servers.
   */
  apiServers: readonly string[];
  /**
   * Files and directories read: the `--config` file, the kubeconfig and every
   * file it names (certificates, keys, token file), `--manifests`.
   */
  readPaths: readonly string[];
  /**
   * Where health-check node ports listen (IPv6 in brackets), granted with
   * every port (see the module notes): the node's primary addresses with the
   * default `--nodeport-addresses=primary`, the wildcards when it selects
   * every address. Deno matches the address a server binds exactly.
   * @default ["0.0.0.0", "[::]"]
   */
  nodeAddresses?: readonly string[];
  /**
   * `--healthz-bind-address`; `0.0.0.0:PORT` also grants `[::]:PORT`, where
   * the proxy answers IPv6 probes. Empty when disabled.
   * @default "0.0.0.0:10256"
   */
  healthzBindAddress?: string;
  /** `--metrics-bind-address`; empty when disabled. @default "127.0.0.1:10249" */
  metricsBindAddress?: string;
}

/** Net entries of the healthz and metrics servers for their bind addresses. */
function serverHosts(healthz: string, metrics: string): string[] {
  const out: string[] = [];
  if (healthz !== "") {
    out.push(healthz);
    if (healthz.startsWith("0.0.0.0:")) out.push(`[::]:${healthz.slice("0.0.0.0:".length)}`);
  }
  if (metrics !== "") out.push(metrics);
  return out;
}

/**
 * The daemon's permission flags for an installation, in the order the unit
 * and the DaemonSet write them.
 *
 * @throws {RangeError} when `apiServers` or `readPaths` is empty, or an entry is not absolute.
 */
export function daemonPermissions(site: SitePermissions): string[] {
  if (site.apiServers.length === 0) {
    throw new RangeError("Cannot scope the permissions: 'apiServers' must not be empty");
  }
  if (site.readPaths.length === 0 || site.readPaths.some((p) => !p.startsWith("/"))) {
    throw new RangeError("Cannot scope the permissions: 'readPaths' must be absolute paths");
  }
  const net = [
    ...site.apiServers,
    ...serverHosts(
      site.healthzBindAddress ?? "0.0.0.0:10256",
      site.metricsBindAddress ?? "127.0.0.1:10249",
    ),
    ...(site.nodeAddresses ?? ["0.0.0.0", "[::]"]),
  ];
  return [
    "--no-prompt",
    `--allow-read=${site.readPaths.join(",")}`,
    `--allow-net=${net.join(",")}`,
    `--allow-env=${DAEMON_ENV.join(",")}`,
    "--ignore-env",
    `--allow-run=${DAEMON_RUN.join(",")}`,
    `--allow-ffi=${DAEMON_FFI.join(",")}`,
    `--allow-sys=${DAEMON_SYS.join(",")}`,
    ...V8_FLAGS,
  ];
}

/**
 * The bundle's default set for running it by hand. The kernel keeps only the
 * first 255 bytes of a `#!` line, which rules out the daemon's lists, so this
 * set is shorter: it reads the current directory and the standard paths,
 * reaches any host (the API server is site-specific), runs nft and conntrack
 * only, and loads any library.
 */
export const CLI_PERMISSIONS: readonly string[] = [
  "-R=.,/var/lib/kube-proxy,/var/run/secrets/kubernetes.io",
  "-N",
  `-E=${DAEMON_ENV.join(",")}`,
  "--ignore-env",
  "--allow-run=nft,conntrack",
  "--allow-ffi",
  `-S=${DAEMON_SYS.join(",")}`,
];

/** The first line of `dist/kube-proxy.js`. */
export function shebangLine(): string {
  return `#!/usr/bin/env -S deno run ${[...CLI_PERMISSIONS, ...V8_FLAGS].join(" ")}`;
}

/** Longest `#!` line Linux reads whole (BINPRM_BUF_SIZE 256, including the newline). */
export const MAX_SHEBANG_LENGTH = 255;
