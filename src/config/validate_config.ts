/**
 * Validates the draft settings and parses every value into its type. The
 * first bad value fails with a {@linkcode ConfigError} that names where it
 * came from: `--cluster-cidr`, or `clusterCIDR in /etc/kube-proxy/config.conf`.
 *
 * @module
 */

import { invalidValue } from "./config_error.ts";
import { checkDuration } from "./duration_bounds.ts";
import { formatDuration } from "./duration.ts";
import type { Draft, DraftKey } from "./draft.ts";
import { flagNameOf } from "./draft_from_flags.ts";
import { flagOrigin, type Origin } from "./origin.ts";
import { UPSTREAM_DEFAULTS } from "./draft.ts";
import { type HostPort, HostPortError, parseHostPort } from "./host_port.ts";
import type { ProxyConfig, ProxyMode } from "./proxy_config.ts";
import { type IpAddr, tryParseCidr, tryParseIp } from "../model/ip.ts";
import { isDnsSubdomain } from "../model/problems.ts";
import { isInterfaceName } from "../plan/family_context.ts";
import type { DetectLocalMode } from "../plan/proxy_settings.ts";

const MODES: ProxyMode[] = ["", "nftables", "iptables", "ipvs"];
const DETECT_LOCAL_MODES: DetectLocalMode[] = [
  "ClusterCIDR",
  "NodeCIDR",
  "BridgeInterface",
  "InterfaceNamePrefix",
];
const INT32_MAX = 2 ** 31 - 1;

/** What validation needs from the host. */
export interface ValidateHost {
  /** The host name, for the node name without `--hostname-override`. */
  hostname(): string;
}

/** Validates `draft`; `configFile` is the `--config` path or "". */
export function validateDraft(draft: Draft, configFile: string, host: ValidateHost): ProxyConfig {
  const v = draft.values;
  // A value nobody set is named by its flag (e.g. a required --pod-bridge-interface).
  const originOf = (key: DraftKey): Origin => {
    const o = draft.origin(key);
    const flag = o.kind === "default" ? flagNameOf(key) : undefined;
    return flag ? flagOrigin(flag) : o;
  };
  const bad = (key: DraftKey, value: unknown, reason: string) =>
    invalidValue(originOf(key), value, reason);

  const each = <T>(
    key: DraftKey,
    items: string[],
    parse: (t: string) => T | undefined,
    want: string,
  ): T[] =>
    items.map((t) => {
      const x = parse(t);
      if (x === undefined) throw bad(key, t, want);
      return x;
    });
  const cidrs = (key: DraftKey, items: string[], want = "want a CIDR such as 10.0.0.0/8") =>
    each(key, items, tryParseCidr, want);
  const list = (text: string) => text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const onePerFamily = <T extends { family: 4 | 6 }>(key: DraftKey, text: string, xs: T[]) => {
    if (
      xs.filter((x) => x.family === 4).length > 1 || xs.filter((x) => x.family === 6).length > 1
    ) {
      throw bad(key, text, "at most one per IP family");
    }
    return xs;
  };
  const bindAddr = (key: "healthzBindAddress" | "metricsBindAddress", port: number) => {
    const text = v[key].trim();
    if (text === "") return null;
    let hp: HostPort;
    try {
      hp = parseHostPort(text, { defaultPort: port, allowPortZero: true });
    } catch (e) {
      const reason = e instanceof HostPortError ? e.reason : String(e);
      throw bad(key, v[key], `${reason}; want IP[:PORT], e.g. 0.0.0.0:${port}`);
    }
    return hp.port === 0 ? null : hp;
  };
  const int = (key: DraftKey, n: number, min: number, max: number) => {
    if (!Number.isInteger(n) || n < min || n > max) throw bad(key, n, `must be ${min}..${max}`);
    return n;
  };

  if (!MODES.includes(v.mode as ProxyMode)) {
    throw bad("mode", v.mode, "want nftables, iptables, ipvs or empty");
  }
  const syncPeriodMs = checkDuration("syncPeriod", v.syncPeriodMs, originOf("syncPeriodMs"));
  const minSyncPeriodMs = checkDuration(
    "minSyncPeriod",
    v.minSyncPeriodMs,
    originOf("minSyncPeriodMs"),
  );
  if (minSyncPeriodMs > syncPeriodMs) {
    throw bad(
      "minSyncPeriodMs",
      formatDuration(minSyncPeriodMs),
      `must be at most the sync period (${formatDuration(syncPeriodMs)})`,
    );
  }
  if (!DETECT_LOCAL_MODES.includes(v.detectLocalMode as DetectLocalMode)) {
    throw bad("detectLocalMode", v.detectLocalMode, `want one of ${DETECT_LOCAL_MODES.join(", ")}`);
  }
  if (v.detectLocalMode === "BridgeInterface" && !isInterfaceName(v.bridgeInterface)) {
    throw bad(
      "bridgeInterface",
      v.bridgeInterface,
      "needed by detect-local-mode BridgeInterface; want an interface name",
    );
  }
  if (v.detectLocalMode === "InterfaceNamePrefix" && !isInterfaceName(v.interfaceNamePrefix)) {
    throw bad(
      "interfaceNamePrefix",
      v.interfaceNamePrefix,
      "needed by detect-local-mode InterfaceNamePrefix; want an interface name prefix",
    );
  }
  const clusterCIDRs = onePerFamily(
    "clusterCIDR",
    v.clusterCIDR,
    cidrs("clusterCIDR", list(v.clusterCIDR)),
  );
  const npa = v.nodePortAddresses.map((s) => s.trim()).filter((s) => s !== "");
  if (npa.includes("primary") && npa.length > 1) {
    throw bad("nodePortAddresses", npa.join(","), "'primary' cannot be combined with CIDRs");
  }
  const nodePortAddresses = npa.length === 0 || npa[0] === "primary" ? "primary" as const : cidrs(
    "nodePortAddresses",
    npa,
    "want a CIDR such as 192.168.0.0/16 or 0.0.0.0/0, or 'primary'",
  );
  const nodeIPOverride = onePerFamily(
    "bindAddress",
    v.bindAddress,
    each("bindAddress", list(v.bindAddress), tryParseIp, "want an IP address"),
  ).filter((ip: IpAddr) => !/^(0\.0\.0\.0|::)$/.test(ip.text));
  if (!["auto", "libnftables", "exec"].includes(v.nftBackend)) {
    throw bad("nftBackend", v.nftBackend, "want auto, libnftables or exec");
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(v.tableName)) {
    throw bad(
      "tableName",
      v.tableName,
      "want letters, digits, '-' and '_', starting with a letter",
    );
  }
  const hostnameOverride = v.hostnameOverride.trim().toLowerCase();
  if (hostnameOverride !== "" && !isDnsSubdomain(hostnameOverride)) {
    throw bad("hostnameOverride", v.hostnameOverride, "not a valid node name");
  }
  const nodeName = hostnameOverride || host.hostname().trim().toLowerCase();
  if (v.loggingFormat !== "text" && v.loggingFormat !== "json") {
    throw bad("loggingFormat", v.loggingFormat, "want text or json");
  }
  const timeout = (key: DraftKey) =>
    checkDuration("conntrackTimeout", v[key] as number, originOf(key));

  return {
    configFile,
    nodeName,
    hostnameOverride,
    kubeconfig: v.kubeconfig,
    master: v.master,
    manifests: v.manifests,
    mode: v.mode as ProxyMode,
    clusterCIDRs,
    masqueradeAll: v.masqueradeAll,
    masqueradeBit: int("masqueradeBit", v.masqueradeBit, 0, 31),
    syncPeriodMs,
    minSyncPeriodMs,
    fullSyncPeriodMs: checkDuration(
      "fullSyncPeriod",
      v.fullSyncPeriodMs,
      originOf("fullSyncPeriodMs"),
    ),
    driftCheckPeriodMs: checkDuration(
      "driftCheckPeriod",
      v.driftCheckPeriodMs,
      originOf("driftCheckPeriodMs"),
    ),
    configSyncPeriodMs: checkDuration(
      "configSyncPeriod",
      v.configSyncPeriodMs,
      originOf("configSyncPeriodMs"),
    ),
    detectLocalMode: v.detectLocalMode as DetectLocalMode,
    bridgeInterface: v.bridgeInterface,
    interfaceNamePrefix: v.interfaceNamePrefix,
    nodePortAddresses,
    serviceCIDRs: cidrs("serviceCIDRs", v.serviceCIDRs),
    healthzBindAddress: bindAddr("healthzBindAddress", UPSTREAM_DEFAULTS.healthzPort),
    metricsBindAddress: bindAddr("metricsBindAddress", UPSTREAM_DEFAULTS.metricsPort),
    bindAddressHardFail: v.bindAddressHardFail,
    nodeIPOverride,
    conntrack: {
      maxPerCore: int("conntrackMaxPerCore", v.conntrackMaxPerCore, 0, INT32_MAX),
      min: int("conntrackMin", v.conntrackMin, 0, INT32_MAX),
      tcpEstablishedTimeoutMs: timeout("conntrackTcpEstablishedTimeoutMs"),
      tcpCloseWaitTimeoutMs: timeout("conntrackTcpCloseWaitTimeoutMs"),
      tcpBeLiberal: v.conntrackTcpBeLiberal,
      udpTimeoutMs: timeout("conntrackUdpTimeoutMs"),
      udpStreamTimeoutMs: timeout("conntrackUdpStreamTimeoutMs"),
    },
    verbosity: int("verbosity", v.verbosity, 0, 10),
    loggingFormat: v.loggingFormat,
    tableName: v.tableName,
    conntrackCleanup: v.conntrackCleanup,
    nftBackend: v.nftBackend as ProxyConfig["nftBackend"],
    removeUpstreamRules: v.removeUpstreamRules,
    maxServiceElements: int("maxServiceElements", v.maxServiceElements, 1, 10_000_000),
    affinityMaxClients: int("affinityMaxClients", v.affinityMaxClients, 1, 16_777_216),
  };
}
