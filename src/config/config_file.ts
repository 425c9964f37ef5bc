/**
 * Reads a KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1), as
 * upstream kube-proxy's `--config`. Unknown fields fail, naming the field;
 * fields that do not apply to this proxy are accepted and reported as ignored.
 *
 * @module
 */

import { parse } from "yaml";
import { ConfigError } from "./config_error.ts";
import type { ProxyOptions } from "./options.ts";
import { parseDuration } from "./duration.ts";

/** Options read from the file, and notes for the log. */
export interface ConfigFileResult {
  values: Partial<ProxyOptions>;
  warnings: string[];
  ignored: string[];
}

type Obj = Record<string, unknown>;

// Upstream fields that this proxy accepts but does not use.
const IGNORED = new Set([
  "bindAddress",
  "bindAddressHardFail",
  "enableProfiling",
  "showHiddenMetricsForVersion",
  "oomScoreAdj",
  "portRange",
  "udpIdleTimeout",
  "configSyncPeriod",
  "featureGates",
  "conntrack",
  "ipvs",
  "winkernel",
  "windowsRunAsService",
  "iptables.localhostNodePorts",
  "iptables.masqueradeAll",
  "iptables.masqueradeBit",
  "iptables.minSyncPeriod",
  "iptables.syncPeriod",
  "clientConnection.acceptContentTypes",
  "clientConnection.contentType",
  "clientConnection.qps",
  "clientConnection.burst",
  "logging.flushFrequency",
  "logging.options",
  "nftables.localhostNodePorts",
  "detectLocal",
  "clusterCIDRs",
]);

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses the text of a configuration file. `file` is used in messages. */
export function parseConfigFile(file: string, text: string): ConfigFileResult {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: YAML error: ${(e as Error).message.split("\n")[0]}`, {
      cause: e,
    });
  }
  if (!isObj(doc)) throw new ConfigError(`${file}: not a KubeProxyConfiguration object`);
  if (doc.kind !== "KubeProxyConfiguration") {
    throw new ConfigError(
      `${file}: kind: want KubeProxyConfiguration, got ${JSON.stringify(doc.kind)}`,
    );
  }
  if (doc.apiVersion !== "kubeproxy.config.k8s.io/v1alpha1") {
    throw new ConfigError(
      `${file}: apiVersion: want kubeproxy.config.k8s.io/v1alpha1, got ${
        JSON.stringify(doc.apiVersion)
      }`,
    );
  }
  const values: Partial<ProxyOptions> = {};
  const warnings: string[] = [];
  const ignored: string[] = [];
  const fail = (field: string, want: string, got: unknown): never => {
    throw new ConfigError(`${file}: field ${field}: want ${want}, got ${JSON.stringify(got)}`);
  };
  const str = (
    field: string,
    v: unknown,
  ): string => (typeof v === "string" ? v : fail(field, "a string", v));
  const bool = (
    field: string,
    v: unknown,
  ): boolean => (typeof v === "boolean" ? v : fail(field, "true or false", v));
  const int = (
    field: string,
    v: unknown,
  ): number => (Number.isInteger(v) ? v as number : fail(field, "an integer", v));
  const dur = (field: string, v: unknown): number =>
    parseDuration(v) ?? fail(field, "a duration such as 30s", v);
  const strList = (field: string, v: unknown): string[] =>
    Array.isArray(v) && v.every((x) => typeof x === "string")
      ? v as string[]
      : fail(field, "a list of strings", v);

  const handlers: Record<string, (v: unknown, field: string) => void> = {
    "apiVersion": () => {},
    "kind": () => {},
    "clientConnection.kubeconfig": (v, f) => values.kubeconfig = str(f, v),
    "hostnameOverride": (v, f) => values.hostnameOverride = str(f, v),
    "clusterCIDR": (v, f) => values.clusterCIDR = str(f, v),
    "mode": (v, f) => values.mode = str(f, v),
    "nftables.masqueradeBit": (v, f) => values.masqueradeBit = int(f, v),
    "nftables.masqueradeAll": (v, f) => values.masqueradeAll = bool(f, v),
    "nftables.syncPeriod": (v, f) => values.syncPeriodMs = dur(f, v),
    "nftables.minSyncPeriod": (v, f) => values.minSyncPeriodMs = dur(f, v),
    "syncPeriod": (v, f) => values.syncPeriodMs = dur(f, v),
    "minSyncPeriod": (v, f) => values.minSyncPeriodMs = dur(f, v),
    "nodePortAddresses": (v, f) => values.nodePortAddresses = v === null ? [] : strList(f, v),
    "detectLocalMode": (v, f) =>
      values.detectLocalMode = str(f, v) as ProxyOptions["detectLocalMode"],
    "detectLocal.bridgeInterface": (v, f) => values.podBridgeInterface = str(f, v),
    "detectLocal.interfaceNamePrefix": (v, f) => values.podInterfaceNamePrefix = str(f, v),
    "healthzBindAddress": (v, f) => values.healthzBindAddress = str(f, v),
    "metricsBindAddress": (v, f) => values.metricsBindAddress = str(f, v),
    "logging.format": (v, f) => values.loggingFormat = str(f, v) as ProxyOptions["loggingFormat"],
    "logging.verbosity": (v, f) => values.verbosity = int(f, v),
  };
  const walk = (obj: Obj, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const field = prefix ? `${prefix}.${k}` : k;
      if (handlers[field]) {
        if (v !== null && v !== undefined && v !== "") handlers[field](v, field);
        continue;
      }
      if (IGNORED.has(field)) {
        if (field === "detectLocal" && isObj(v)) walk(v, field);
        else ignored.push(field);
        continue;
      }
      if (isObj(v) && ["clientConnection", "nftables", "logging", "iptables"].includes(field)) {
        walk(v, field);
        continue;
      }
      throw new ConfigError(`${file}: unknown field ${JSON.stringify(field)}`);
    }
  };
  walk(doc, "");
  if (values.mode !== undefined && values.mode !== "" && values.mode !== "nftables") {
    warnings.push(
      `mode ${JSON.stringify(values.mode)} is not implemented: only nftables is; using nftables`,
    );
  }
  return { values, warnings, ignored };
}
