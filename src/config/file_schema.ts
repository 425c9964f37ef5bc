/**
 * The fields of `KubeProxyConfiguration` (`kubeproxy.config.k8s.io/v1alpha1`)
 * in the current kube-proxy release, with the type each one decodes as.
 *
 * The types follow the Go structs: a plain `string`, `bool`, `int` or
 * `duration` decodes `null` as its zero value; the pointer fields (`int?`,
 * `bool?`, `duration?`) keep `null` apart, because upstream's defaulting only
 * fills nil pointers there (`conntrack.maxPerCore: 0` means "leave the kernel
 * alone", `null` means "the default").
 *
 * @module
 */

/** How a field's value is decoded. */
export type FieldType =
  | "object"
  | "string"
  | "bool"
  | "bool?"
  | "int"
  | "int?"
  | "float"
  | "duration"
  | "duration?"
  | "strings"
  | "boolMap"
  /** Go's `resource.Quantity`: a number or a string such as "0" or "64Ki". */
  | "quantity"
  /** component-base's `TimeOrMetaDuration`: a duration string or nanoseconds. */
  | "timeOrDuration"
  /** Decoded as-is (e.g. `logging.vmodule`). */
  | "any";

/** Every v1alpha1 field by dotted path. */
export const FILE_FIELDS: Readonly<Record<string, FieldType>> = {
  "apiVersion": "string",
  "kind": "string",
  "featureGates": "boolMap",
  "clientConnection": "object",
  "clientConnection.kubeconfig": "string",
  "clientConnection.acceptContentTypes": "string",
  "clientConnection.contentType": "string",
  "clientConnection.qps": "float",
  "clientConnection.burst": "int",
  "logging": "object",
  "logging.format": "string",
  "logging.flushFrequency": "timeOrDuration",
  "logging.verbosity": "int",
  "logging.vmodule": "any",
  "logging.options": "object",
  "logging.options.text": "object",
  "logging.options.text.splitStream": "bool",
  "logging.options.text.infoBufferSize": "quantity",
  "logging.options.json": "object",
  "logging.options.json.splitStream": "bool",
  "logging.options.json.infoBufferSize": "quantity",
  "hostnameOverride": "string",
  "bindAddress": "string",
  "healthzBindAddress": "string",
  "metricsBindAddress": "string",
  "bindAddressHardFail": "bool",
  "enableProfiling": "bool",
  "showHiddenMetricsForVersion": "string",
  "mode": "string",
  "iptables": "object",
  "iptables.masqueradeBit": "int?",
  "iptables.masqueradeAll": "bool",
  "iptables.localhostNodePorts": "bool?",
  "iptables.syncPeriod": "duration",
  "iptables.minSyncPeriod": "duration",
  "ipvs": "object",
  "ipvs.syncPeriod": "duration",
  "ipvs.minSyncPeriod": "duration",
  "ipvs.scheduler": "string",
  "ipvs.excludeCIDRs": "strings",
  "ipvs.strictARP": "bool",
  "ipvs.tcpTimeout": "duration",
  "ipvs.tcpFinTimeout": "duration",
  "ipvs.udpTimeout": "duration",
  "nftables": "object",
  "nftables.masqueradeBit": "int?",
  "nftables.masqueradeAll": "bool",
  "nftables.syncPeriod": "duration",
  "nftables.minSyncPeriod": "duration",
  "winkernel": "object",
  "winkernel.networkName": "string",
  "winkernel.sourceVip": "string",
  "winkernel.enableDSR": "bool",
  "winkernel.rootHnsEndpointName": "string",
  "winkernel.forwardHealthCheckVip": "bool",
  "detectLocalMode": "string",
  "detectLocal": "object",
  "detectLocal.bridgeInterface": "string",
  "detectLocal.interfaceNamePrefix": "string",
  "clusterCIDR": "string",
  "nodePortAddresses": "strings",
  "oomScoreAdj": "int?",
  "conntrack": "object",
  "conntrack.maxPerCore": "int?",
  "conntrack.min": "int?",
  "conntrack.tcpEstablishedTimeout": "duration?",
  "conntrack.tcpCloseWaitTimeout": "duration?",
  "conntrack.tcpBeLiberal": "bool",
  "conntrack.udpTimeout": "duration",
  "conntrack.udpStreamTimeout": "duration",
  "configSyncPeriod": "duration",
  "portRange": "string",
  "windowsRunAsService": "bool",
  // Removed upstream in 1.29; older kubeadm versions still write it.
  "udpIdleTimeout": "duration",
};

/**
 * Fields that shape what this proxy does. Every other field present in a file
 * is accepted and listed as unused at `--v=2` (the mode's sync and
 * masquerade fields are chosen in `draft_from_file.ts`).
 */
export const USED_FIELDS: ReadonlySet<string> = new Set([
  "apiVersion",
  "kind",
  "clientConnection.kubeconfig",
  "logging.format",
  "logging.verbosity",
  "hostnameOverride",
  "bindAddress",
  "healthzBindAddress",
  "metricsBindAddress",
  "bindAddressHardFail",
  "mode",
  "detectLocalMode",
  "detectLocal.bridgeInterface",
  "detectLocal.interfaceNamePrefix",
  "clusterCIDR",
  "nodePortAddresses",
  "conntrack.maxPerCore",
  "conntrack.min",
  "conntrack.tcpEstablishedTimeout",
  "conntrack.tcpCloseWaitTimeout",
  "conntrack.tcpBeLiberal",
  "conntrack.udpTimeout",
  "conntrack.udpStreamTimeout",
  "configSyncPeriod",
]);

/**
 * Upstream's defaults of the fields this proxy does not use, in decoded form
 * (durations in ms): a field at its default is not listed as unused.
 */
export const UNUSED_FIELD_DEFAULTS: Readonly<Record<string, unknown>> = {
  "clientConnection.contentType": "application/vnd.kubernetes.protobuf",
  "clientConnection.qps": 5,
  "clientConnection.burst": 10,
  "logging.flushFrequency": 5_000,
  "iptables.masqueradeBit": 14,
  "iptables.localhostNodePorts": true,
  "iptables.syncPeriod": 30_000,
  "iptables.minSyncPeriod": 1_000,
  "ipvs.syncPeriod": 30_000,
  "nftables.masqueradeBit": 14,
  "nftables.syncPeriod": 30_000,
  "nftables.minSyncPeriod": 1_000,
  "oomScoreAdj": -999,
  "udpIdleTimeout": 250,
};
