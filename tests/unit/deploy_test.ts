import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml, parseAllDocuments } from "yaml";

const DEPLOY = new URL("../../deploy/", import.meta.url);

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

function read(name: string): string {
  return Deno.readTextFileSync(new URL(name, DEPLOY));
}

/** All documents of a YAML file; fails on any syntax error or warning. */
function loadYaml(name: string): Obj[] {
  const docs = parseAllDocuments(read(name));
  const out: Obj[] = [];
  for (const doc of docs) {
    assert.deepEqual(doc.errors.map((e) => e.message), [], `${name} has YAML errors`);
    assert.deepEqual(doc.warnings.map((e) => e.message), [], `${name} has YAML warnings`);
    const value = doc.toJS();
    if (value !== null) out.push(value);
  }
  return out;
}

function objects(): Obj[] {
  return ["daemonset.yaml", "rbac.yaml", "configmap.yaml"].flatMap(loadYaml);
}

function one(all: Obj[], kind: string, name: string, namespace?: string): Obj {
  const found = all.filter((o) =>
    o.kind === kind && o.metadata?.name === name &&
    (namespace === undefined || o.metadata?.namespace === namespace)
  );
  assert.equal(found.length, 1, `expected one ${kind} ${namespace ?? ""}/${name}`);
  return found[0];
}

/** Go duration such as "30s", "1m30s", "500ms". */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function checkProxyConfiguration(config: Obj, where: string): void {
  assert.equal(config.apiVersion, "kubeproxy.config.k8s.io/v1alpha1", where);
  assert.equal(config.kind, "KubeProxyConfiguration", where);
  assert.equal(typeof config.clientConnection?.kubeconfig, "string", `${where}: kubeconfig`);
  for (const cidr of String(config.clusterCIDR).split(",")) {
    assert.match(cidr.trim(), /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i, where);
  }
}

Deno.test("every YAML file under deploy/ parses, and every object has apiVersion, kind and name", () => {
  const files = [...Deno.readDirSync(DEPLOY)].map((e) => e.name).filter((n) => /\.ya?ml$/.test(n));
  assert.ok(files.length >= 4, `found ${files}`);
  for (const file of files) {
    for (const obj of loadYaml(file)) {
      assert.ok(obj.apiVersion && obj.kind, `${file}: object without apiVersion/kind`);
      if (obj.kind !== "KubeProxyConfiguration") assert.ok(obj.metadata?.name, `${file}: no name`);
    }
  }
});

Deno.test("the DaemonSet runs privileged on the host network on every node, like kube-proxy", () => {
  const ds = one(objects(), "DaemonSet", "kube-proxy", "kube-system");
  const pod = ds.spec.template.spec;
  assert.deepEqual(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels);
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.priorityClassName, "system-node-critical");
  assert.ok(pod.tolerations.some((t: Obj) => t.operator === "Exists" && !t.key), "tolerates all");
  const [container] = pod.containers;
  assert.equal(container.securityContext.privileged, true);
  const modules = container.volumeMounts.find((m: Obj) => m.mountPath === "/lib/modules");
  assert.equal(modules?.readOnly, true);
  const vol = pod.volumes.find((v: Obj) => v.name === modules.name);
  assert.equal(vol?.hostPath?.path, "/lib/modules");
  assert.ok(!JSON.stringify(ds).includes("xtables.lock"), "no xtables lock mount");
  const env = container.env.find((e: Obj) => e.name === "NODE_NAME");
  assert.equal(env?.valueFrom?.fieldRef?.fieldPath, "spec.nodeName");
  assert.ok(container.command.includes("--hostname-override=$(NODE_NAME)"));
  assert.equal(container.livenessProbe.httpGet.path, "/livez");
  assert.equal(container.livenessProbe.httpGet.port, 10256);
});

Deno.test("the DaemonSet's service account exists and is bound to system:node-proxier", () => {
  const all = objects();
  const ds = one(all, "DaemonSet", "kube-proxy", "kube-system");
  const sa = one(all, "ServiceAccount", ds.spec.template.spec.serviceAccountName, "kube-system");
  const bindings = all.filter((o) => o.kind === "ClusterRoleBinding");
  const proxier = bindings.find((b) => b.roleRef?.name === "system:node-proxier");
  assert.ok(proxier, "a binding to system:node-proxier");
  assert.equal(proxier.roleRef.kind, "ClusterRole");
  assert.equal(proxier.roleRef.apiGroup, "rbac.authorization.k8s.io");
  for (const b of bindings) {
    assert.ok(
      b.subjects.some((s: Obj) =>
        s.kind === "ServiceAccount" && s.name === sa.metadata.name &&
        s.namespace === sa.metadata.namespace
      ),
      `${b.metadata.name} binds the ServiceAccount`,
    );
    if (!b.roleRef.name.startsWith("system:")) one(all, "ClusterRole", b.roleRef.name);
  }
});

Deno.test("the --config file is a key of the ConfigMap the DaemonSet mounts, with its kubeconfig", () => {
  const all = objects();
  const ds = one(all, "DaemonSet", "kube-proxy", "kube-system");
  const pod = ds.spec.template.spec;
  const [container] = pod.containers;
  const flag = container.command.find((a: string) => a.startsWith("--config="));
  assert.ok(flag, "a --config flag");
  const configPath: string = flag.slice("--config=".length);
  const mount = container.volumeMounts.find((m: Obj) => configPath.startsWith(m.mountPath + "/"));
  assert.ok(mount, `a mount holding ${configPath}`);
  const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
  const cm = one(all, "ConfigMap", volume?.configMap?.name, ds.metadata.namespace);
  const key = configPath.slice(mount.mountPath.length + 1);
  assert.equal(typeof cm.data[key], "string", `ConfigMap has key ${key}`);

  const config = parseYaml(cm.data[key]);
  checkProxyConfiguration(config, `ConfigMap key ${key}`);
  assert.equal(config.mode, "nftables");
  assert.deepEqual(
    { bit: config.nftables.masqueradeBit, all: config.nftables.masqueradeAll },
    { bit: 14, all: false },
  );
  assert.match(config.nftables.syncPeriod, GO_DURATION);
  assert.match(config.nftables.minSyncPeriod, GO_DURATION);
  assert.equal(
    config.healthzBindAddress.split(":").at(-1),
    String(container.livenessProbe.httpGet.port),
  );

  const kubeconfigPath: string = config.clientConnection.kubeconfig;
  assert.ok(kubeconfigPath.startsWith(mount.mountPath + "/"), "kubeconfig in the same mount");
  const kubeconfigText = cm.data[kubeconfigPath.slice(mount.mountPath.length + 1)];
  assert.equal(typeof kubeconfigText, "string", "the kubeconfig is in the ConfigMap");
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigText);
  assert.match(kc.getCurrentCluster()?.server ?? "", /^https:\/\//);
  assert.equal(
    kc.getCurrentCluster()?.caFile,
    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
  );
  const users = parseYaml(kubeconfigText).users as Obj[];
  assert.equal(users[0].user.tokenFile, "/var/run/secrets/kubernetes.io/serviceaccount/token");
});

/** Parses a systemd unit: sections of key → values, with `\` line continuations. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  const joined = text.replace(/\\\n\s*/g, " ");
  for (const raw of joined.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = line.match(/^\[(.+)\]$/);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(current && eq > 0, `bad unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

Deno.test("the systemd unit runs with --config, restarts on failure and is wanted by multi-user", () => {
  const unit = parseUnit(read("kube-proxy.service"));
  const service = unit.get("Service");
  assert.ok(service && unit.get("Unit") && unit.get("Install"));
  const [exec] = service.get("ExecStart") ?? [];
  assert.match(exec, /^\/usr\/local\/bin\/kube-proxy\s/);
  const config = exec.match(/--config=(\S+)/)?.[1];
  assert.equal(config, "/var/lib/kube-proxy/kube-proxy-config.yaml");
  assert.deepEqual(service.get("Restart"), ["on-failure"]);
  assert.deepEqual(service.get("RestartSec"), ["5"]);
  assert.deepEqual(unit.get("Install")?.get("WantedBy"), ["multi-user.target"]);
  // The file it names is the one shipped beside it.
  const seed = loadYaml(config!.split("/").at(-1)!);
  assert.equal(seed.length, 1);
});

Deno.test("kube-proxy-config.yaml is the guides' seed configuration", () => {
  const [config] = loadYaml("kube-proxy-config.yaml");
  checkProxyConfiguration(config, "kube-proxy-config.yaml");
  assert.equal(config.clientConnection.kubeconfig, "/var/lib/kube-proxy/kubeconfig");
  assert.equal(config.mode, "iptables");
  assert.equal(config.clusterCIDR, "10.200.0.0/16");
});
