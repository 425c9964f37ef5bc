/**
 * Turns a decoded `KubeProxyConfiguration` into settings, as upstream does:
 * its defaulting first (a zero duration, an empty string or a null means the
 * default, exactly where `SetDefaults_KubeProxyConfiguration` and the Linux
 * defaults say so), then the mode's section: `nftables.*` for
 * `mode: nftables`; `iptables.*` (masqueradeAll, masqueradeBit, syncPeriod,
 * minSyncPeriod) for `iptables`, `ipvs` and an empty mode, which upstream
 * runs as iptables on Linux. Those settings then drive the nftables ruleset,
 * with a warning.
 *
 * @module
 */

import type { DecodedConfigFile, FieldValue } from "./config_file.ts";
import { defaultServerAddresses, Draft, UPSTREAM_DEFAULTS } from "./draft.ts";
import { UNUSED_FIELD_DEFAULTS, USED_FIELDS } from "./file_schema.ts";
import { fileOrigin } from "./origin.ts";

/** What to tell the operator about the configuration. */
export interface ConfigNotes {
  /** Logged as warnings at start. */
  warnings: string[];
  /** Fields of the file without effect here, logged at `--v=2`. */
  unusedFields: string[];
}

/** The section a mode's sync and masquerade settings come from. */
export function modeSection(mode: string): "nftables" | "iptables" {
  return mode === "nftables" ? "nftables" : "iptables";
}

const SECTION_FIELDS = ["masqueradeAll", "masqueradeBit", "syncPeriod", "minSyncPeriod"];

/** Settings from a decoded file, after upstream's defaulting. */
export function draftFromFile(file: DecodedConfigFile, notes: ConfigNotes): Draft {
  const draft = new Draft();
  const at = (field: string) => fileOrigin(file.file, field);
  const get = (field: string): FieldValue | undefined => file.fields.get(field);
  const str = (field: string) => (get(field) as string | undefined) ?? "";
  const bool = (field: string) => (get(field) as boolean | undefined) ?? false;
  const num = (field: string) => (get(field) as number | undefined) ?? 0;
  const ptr = (field: string) => (get(field) as number | null | undefined) ?? null;
  const D = UPSTREAM_DEFAULTS;

  const mode = str("mode");
  const section = modeSection(mode);
  draft.set("mode", mode, at("mode"));
  draft.set("kubeconfig", str("clientConnection.kubeconfig"), at("clientConnection.kubeconfig"));
  draft.set("hostnameOverride", str("hostnameOverride"), at("hostnameOverride"));
  const bindAddress = str("bindAddress") || D.bindAddress;
  draft.set("bindAddress", bindAddress, at("bindAddress"));
  draft.set("bindAddressHardFail", bool("bindAddressHardFail"), at("bindAddressHardFail"));
  const servers = defaultServerAddresses(bindAddress);
  draft.set(
    "healthzBindAddress",
    str("healthzBindAddress") || servers.healthz,
    at("healthzBindAddress"),
  );
  draft.set(
    "metricsBindAddress",
    str("metricsBindAddress") || servers.metrics,
    at("metricsBindAddress"),
  );

  const sf = (name: string) => `${section}.${name}`;
  draft.set("masqueradeAll", bool(sf("masqueradeAll")), at(sf("masqueradeAll")));
  draft.set("masqueradeBit", ptr(sf("masqueradeBit")) ?? D.masqueradeBit, at(sf("masqueradeBit")));
  draft.set("syncPeriodMs", num(sf("syncPeriod")) || D.syncPeriodMs, at(sf("syncPeriod")));
  draft.set(
    "minSyncPeriodMs",
    num(sf("minSyncPeriod")) || D.minSyncPeriodMs,
    at(sf("minSyncPeriod")),
  );
  if (section === "iptables") {
    const lnp = get("iptables.localhostNodePorts") as boolean | null | undefined;
    draft.set("localhostNodePorts", lnp ?? null, at("iptables.localhostNodePorts"));
  }

  draft.set("clusterCIDR", str("clusterCIDR"), at("clusterCIDR"));
  draft.set(
    "nodePortAddresses",
    (get("nodePortAddresses") as string[] | undefined) ?? [],
    at("nodePortAddresses"),
  );
  draft.set(
    "detectLocalMode",
    str("detectLocalMode") || D.detectLocalMode,
    at("detectLocalMode"),
  );
  draft.set(
    "bridgeInterface",
    str("detectLocal.bridgeInterface"),
    at("detectLocal.bridgeInterface"),
  );
  draft.set(
    "interfaceNamePrefix",
    str("detectLocal.interfaceNamePrefix"),
    at("detectLocal.interfaceNamePrefix"),
  );

  draft.set(
    "conntrackMaxPerCore",
    ptr("conntrack.maxPerCore") ?? D.conntrackMaxPerCore,
    at("conntrack.maxPerCore"),
  );
  draft.set("conntrackMin", ptr("conntrack.min") ?? D.conntrackMin, at("conntrack.min"));
  draft.set(
    "conntrackTcpEstablishedTimeoutMs",
    ptr("conntrack.tcpEstablishedTimeout") ?? D.conntrackTcpEstablishedTimeoutMs,
    at("conntrack.tcpEstablishedTimeout"),
  );
  draft.set(
    "conntrackTcpCloseWaitTimeoutMs",
    ptr("conntrack.tcpCloseWaitTimeout") ?? D.conntrackTcpCloseWaitTimeoutMs,
    at("conntrack.tcpCloseWaitTimeout"),
  );
  draft.set("conntrackTcpBeLiberal", bool("conntrack.tcpBeLiberal"), at("conntrack.tcpBeLiberal"));
  draft.set("conntrackUdpTimeoutMs", num("conntrack.udpTimeout"), at("conntrack.udpTimeout"));
  draft.set(
    "conntrackUdpStreamTimeoutMs",
    num("conntrack.udpStreamTimeout"),
    at("conntrack.udpStreamTimeout"),
  );
  draft.set(
    "configSyncPeriodMs",
    num("configSyncPeriod") || D.configSyncPeriodMs,
    at("configSyncPeriod"),
  );
  draft.set("verbosity", num("logging.verbosity"), at("logging.verbosity"));
  draft.set("loggingFormat", str("logging.format") || D.loggingFormat, at("logging.format"));

  const mapped = new Set(SECTION_FIELDS.map(sf));
  if (section === "iptables") mapped.add("iptables.localhostNodePorts");
  for (const [field, value] of file.fields) {
    if (USED_FIELDS.has(field) || mapped.has(field)) continue;
    draft.passthrough.set(field, value);
    // kubeadm and --write-config-to write every field: list only those set to something else
    // than the zero value or upstream's default.
    if (!isZero(value) && UNUSED_FIELD_DEFAULTS[field] !== value) notes.unusedFields.push(field);
  }
  noteMode(file, mode, notes);
  return draft;
}

/** Whether a decoded value is its type's zero value (0, "", "0", false, null, empty). */
export function isZero(value: FieldValue): boolean {
  if (value === null || value === 0 || value === "" || value === "0" || value === false) {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value as object).length === 0;
}

function noteMode(f: DecodedConfigFile, mode: string, notes: ConfigNotes): void {
  if (mode === "iptables" || mode === "ipvs") {
    notes.warnings.push(
      `mode ${JSON.stringify(mode)} is not implemented: only nftables is; using nftables ` +
        `with the iptables.* settings (masqueradeAll, masqueradeBit, syncPeriod, minSyncPeriod)` +
        (mode === "ipvs" ? "; the ipvs.* settings are ignored" : "") +
        `; NodePorts are served on the Node's primary IPs unless nodePortAddresses selects others`,
    );
  }
  if (mode === "") {
    const set = ["nftables.masqueradeAll", "nftables.masqueradeBit", "nftables.syncPeriod"]
      .concat("nftables.minSyncPeriod")
      .filter((k) => {
        const v = f.fields.get(k);
        return v !== undefined && !isZero(v);
      });
    if (set.length > 0) {
      notes.warnings.push(
        `${f.file}: ${set.join(", ")} ignored: mode is empty, which kube-proxy runs as ` +
          `iptables, so the iptables.* settings apply; set mode: nftables to use them`,
      );
    }
  }
  const lnp = f.fields.get("iptables.localhostNodePorts");
  if (modeSection(mode) === "iptables" && lnp === true) {
    notes.warnings.push(
      `${f.file}: iptables.localhostNodePorts: true is not supported: nftables has no ` +
        `localhost NodePorts (as kube-proxy's nftables mode)`,
    );
  }
}
