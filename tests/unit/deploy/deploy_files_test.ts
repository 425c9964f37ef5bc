import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import {
  DEPLOY_DIR,
  deployObjects,
  parseUnit,
  proxyContainer,
  unitCommand,
  unitEnvironment,
  unitSetpriv,
  unitValue,
} from "../../support/deploy_files.ts";
import { daemonPermissions } from "../../../deploy/permissions.ts";

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

function read(name: string): string {
  return Deno.readTextFileSync(`${DEPLOY_DIR}${name}`);
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

/** Kubernetes quantity → bytes (the suffixes used here). */
function bytes(q: string): number {
  const m = q.match(/^(\d+)(Ki|Mi|Gi)?$/);
  assert.ok(m, `quantity ${q}`);
  return Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[m[2] ?? ""] ?? 1);
}

function checkProxyConfiguration(config: Obj, where: string): void {
  assert.equal(config.apiVersion, "kubeproxy.config.k8s.io/v1alpha1", where);
  assert.equal(config.kind, "KubeProxyConfiguration", where);
  assert.equal(typeof config.clientConnection?.kubeconfig, "string", `${where}: kubeconfig`);
  for (const cidr of String(config.clusterCIDR).split(",")) {
    assert.match(cidr.trim(), /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i, where);
  }
}

/** Runs `sh -c script` with `env`, a `deno` that prints its arguments as JSON; returns them. */
async function runWithFakeDeno(script: string, env: Record<string, string>): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "kp-fake-deno-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno`,
      `#!/usr/bin/env python3\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n`,
    );
    await Deno.chmod(`${dir}/deno`, 0o755);
    const out = await new Deno.Command("sh", {
      args: ["-c", script.replaceAll("/usr/local/bin/deno", `${dir}/deno`)],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("every YAML file under deploy/ parses, and every object has apiVersion, kind and name", () => {
  const files = [...Deno.readDirSync(DEPLOY_DIR)].map((e) => e.name).filter((n) =>
    /\.ya?ml$/.test(n)
  );
  assert.ok(files.length >= 4, `found ${files}`);
  for (const file of files) {
    for (const obj of loadYaml(file)) {
      assert.ok(obj.apiVersion && obj.kind, `${file}: object without apiVersion/kind`);
      if (obj.kind !== "KubeProxyConfiguration") assert.ok(obj.metadata?.name, `${file}: no name`);
    }
  }
});

Deno.test("the DaemonSet runs on the host network of every node, like kube-proxy", () => {
  const ds = one(deployObjects(), "DaemonSet", "kube-proxy", "kube-system");
  const { pod, container } = proxyContainer();
  assert.deepEqual(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels);
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.priorityClassName, "system-node-critical");
  assert.ok(pod.tolerations.some((t: Obj) => t.operator === "Exists" && !t.key), "tolerates all");
  // The old pod must exit before the new one takes the instance lock.
  assert.equal(ds.spec.updateStrategy.rollingUpdate.maxSurge, 0);
  const env = (name: string) => container.env.find((e: Obj) => e.name === name);
  assert.equal(env("NODE_NAME")?.valueFrom?.fieldRef?.fieldPath, "spec.nodeName");
  assert.equal(env("HOST_IPS")?.valueFrom?.fieldRef?.fieldPath, "status.hostIPs");
  assert.equal(container.livenessProbe.httpGet.path, "/livez");
  assert.equal(container.livenessProbe.httpGet.port, 10256);
});

Deno.test("the DaemonSet's proxy is not privileged: NET_ADMIN only, read-only root, no escalation", () => {
  const { pod, container } = proxyContainer();
  const sc = container.securityContext;
  assert.notEqual(sc.privileged, true);
  assert.deepEqual(sc.capabilities, { drop: ["ALL"], add: ["NET_ADMIN"] });
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault");
  // No host paths: no /lib/modules, no /run/xtables.lock; the lock is an abstract socket.
  assert.deepEqual(pod.volumes.filter((v: Obj) => v.hostPath), []);
  // The only privileged container is the init container that writes the conntrack sysctls.
  const privileged = [...pod.initContainers, ...pod.containers].filter((c: Obj) =>
    c.securityContext?.privileged
  );
  assert.deepEqual(privileged.map((c: Obj) => c.name), ["conntrack-settings"]);
  const init = privileged[0];
  assert.ok(init.command.includes("--init-only"), "the init container only runs --init-only");
  assert.ok(init.volumeMounts.every((m: Obj) => m.readOnly === true));
});

Deno.test("the DaemonSet has requests and a memory limit sized for a full sync at 10k Services", () => {
  const { container } = proxyContainer();
  const { requests, limits } = container.resources;
  assert.ok(requests.cpu && requests.memory, "cpu and memory requests");
  // README figures at 10k Services: peak RSS 247 MB in the proxy + 331 MB in its nft process.
  const peak = (247 + 331) * 1e6;
  assert.ok(bytes(limits.memory) >= 1.5 * peak, `limit ${limits.memory} leaves 50 % headroom`);
  assert.ok(bytes(requests.memory) <= bytes(limits.memory));
  assert.equal(limits.cpu, undefined, "no CPU limit: throttling delays syncs");
});

Deno.test("the DaemonSet's command passes exactly the daemon's Deno permissions, IPv6 in brackets", async () => {
  const { container } = proxyContainer();
  assert.deepEqual(container.command.slice(0, 2), ["/bin/sh", "-c"]);
  const env = {
    API_SERVER: "control-plane.example.internal:6443",
    HOST_IPS: "10.0.0.5,fd00::5",
    NODE_NAME: "worker-1",
  };
  const args = await runWithFakeDeno(container.command[2], env);
  const permissions = daemonPermissions({
    apiServers: [env.API_SERVER],
    readPaths: ["/var/lib/kube-proxy", "/var/run/secrets/kubernetes.io/serviceaccount"],
    nodeAddresses: ["10.0.0.5", "[fd00::5]"],
  });
  assert.deepEqual(args, [
    "run",
    ...permissions,
    "/usr/local/bin/kube-proxy",
    "--config=/var/lib/kube-proxy/config.conf",
    "--hostname-override=worker-1",
  ]);
  // A single-stack node: one address, no empty entry.
  const v4 = await runWithFakeDeno(container.command[2], { ...env, HOST_IPS: "10.0.0.5" });
  const net = v4.find((a) => a.startsWith("--allow-net="));
  assert.ok(net?.endsWith(",127.0.0.1:10249,10.0.0.5"), String(net));
});

Deno.test("the DaemonSet's API_SERVER is the server of the kubeconfig in the ConfigMap", () => {
  const all = deployObjects();
  const { container } = proxyContainer();
  const apiServer = container.env.find((e: Obj) => e.name === "API_SERVER")?.value;
  const cm = one(all, "ConfigMap", "kube-proxy", "kube-system");
  const kc = new KubeConfig();
  kc.loadFromString(cm.data["kubeconfig.conf"]);
  assert.equal(new URL(kc.getCurrentCluster()!.server).host, apiServer);
});

Deno.test("the RBAC is read-only: get/list/watch on Services, EndpointSlices, Nodes, ServiceCIDRs", () => {
  const all = deployObjects();
  const { pod } = proxyContainer();
  const sa = one(all, "ServiceAccount", pod.serviceAccountName, "kube-system");
  const bindings = all.filter((o) => o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding");
  const mine = bindings.filter((b) =>
    b.subjects.some((s: Obj) =>
      s.kind === "ServiceAccount" && s.name === sa.metadata.name &&
      s.namespace === sa.metadata.namespace
    )
  );
  assert.equal(mine.length, 1, "one binding for the proxy's ServiceAccount");
  assert.equal(mine[0].roleRef.kind, "ClusterRole");
  assert.ok(!mine[0].roleRef.name.startsWith("system:"), "not system:node-proxier (events write)");
  const role = one(all, "ClusterRole", mine[0].roleRef.name);
  const granted = new Set<string>();
  for (const rule of role.rules) {
    assert.deepEqual(rule.verbs, ["get", "list", "watch"], JSON.stringify(rule));
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) granted.add(`${group}/${resource}`);
    }
  }
  assert.deepEqual([...granted].sort(), [
    "/nodes",
    "/services",
    "discovery.k8s.io/endpointslices",
    "networking.k8s.io/servicecidrs",
  ]);
});

Deno.test("the --config file is a key of the ConfigMap the DaemonSet mounts, with its kubeconfig", () => {
  const all = deployObjects();
  const ds = one(all, "DaemonSet", "kube-proxy", "kube-system");
  const { pod, container } = proxyContainer();
  const flag = container.command[2].match(/--config=(\S+)/)?.[1];
  assert.ok(flag, "a --config flag");
  const configPath: string = flag;
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
  // Every file the proxy reads is under a path its --allow-read grants.
  const readable = container.command[2].match(/--allow-read=(\S+)/)?.[1].split(",") ?? [];
  for (
    const file of [
      configPath,
      kubeconfigPath,
      users[0].user.tokenFile,
      kc.getCurrentCluster()!.caFile!,
    ]
  ) {
    assert.ok(readable.some((d: string) => file.startsWith(`${d}/`)), `${file} is readable`);
  }
});

Deno.test("the systemd unit runs the daemon with exactly the daemon's Deno permissions", () => {
  const unit = parseUnit(read("kube-proxy.service"));
  const env = unitEnvironment(unit);
  const { argv } = unitCommand(unit, "ExecStart");
  assert.deepEqual(argv.slice(0, 2), ["/usr/local/bin/deno", "run"]);
  const permissions = daemonPermissions({
    apiServers: [env.API_SERVER],
    readPaths: ["/var/lib/kube-proxy"],
    nodeAddresses: env.NODE_IPS.split(","),
  });
  assert.deepEqual(argv.slice(2), [
    ...permissions,
    "/usr/local/bin/kube-proxy",
    "--config=/var/lib/kube-proxy/kube-proxy-config.yaml",
  ]);
  assert.ok(
    !argv.some((a) => a.startsWith("--allow-write") || a === "-A"),
    "the daemon writes nothing",
  );
  // The one-time setup with /proc/sys access runs apart, and may fail without stopping the proxy.
  const pre = unitCommand(unit, "ExecStartPre");
  assert.equal(pre.ignoreFailure, true);
  assert.ok(pre.argv.includes("-A") && pre.argv.includes("--init-only"), pre.argv.join(" "));
});

Deno.test("the systemd unit is hardened: its own user, CAP_NET_ADMIN only, read-only system", () => {
  const unit = parseUnit(read("kube-proxy.service"));
  const v = (key: string) => unitValue(unit, "Service", key);
  assert.equal(v("DynamicUser"), "yes");
  assert.equal(v("StateDirectory"), "kube-proxy", "/var/lib/kube-proxy is the service's");
  assert.equal(v("CapabilityBoundingSet"), "CAP_NET_ADMIN");
  assert.equal(v("AmbientCapabilities"), "CAP_NET_ADMIN");
  assert.equal(v("NoNewPrivileges"), "yes");
  assert.equal(v("ProtectSystem"), "strict");
  assert.equal(v("ProtectHome"), "yes");
  assert.equal(v("PrivateTmp"), "yes");
  assert.deepEqual(v("RestrictAddressFamilies")?.split(/\s+/).sort(), [
    "AF_INET",
    "AF_INET6",
    "AF_NETLINK",
    "AF_UNIX",
  ]);
  assert.equal(v("ProtectKernelTunables"), undefined, "ExecStartPre writes /proc/sys/net");
  assert.equal(v("ReadWritePaths"), undefined, "nothing else is written");
  assert.deepEqual(unitSetpriv(unit), [
    "setpriv",
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=-all,+net_admin",
    "--ambient-caps=-all,+net_admin",
    "--bounding-set=-all,+net_admin",
    "--no-new-privs",
  ]);
  assert.deepEqual(v("Restart"), "on-failure");
  assert.deepEqual(unit.get("Install")?.get("WantedBy"), ["multi-user.target"]);
});

Deno.test("systemd-analyze accepts the unit and rates its exposure below 4 (of 10)", async (t) => {
  const found = await new Deno.Command("sh", { args: ["-c", "command -v systemd-analyze"] })
    .output();
  if (!found.success) {
    console.warn("SKIP systemd-analyze checks: systemd-analyze is not installed");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "kp-unit-" });
  try {
    // verify checks that ExecStart names an executable: point both at existing ones.
    const file = `${dir}/kube-proxy.service`;
    await Deno.writeTextFile(
      file,
      read("kube-proxy.service").replaceAll("/usr/local/bin/deno", Deno.execPath())
        .replaceAll("/usr/local/bin/kube-proxy", `${DEPLOY_DIR}permissions.ts`),
    );
    await t.step("verify", async () => {
      const r = await new Deno.Command("systemd-analyze", { args: ["verify", file] }).output();
      const err = new TextDecoder().decode(r.stderr);
      assert.ok(r.success && err.trim() === "", err);
    });
    await t.step("security --offline", async () => {
      const r = await new Deno.Command("systemd-analyze", {
        args: ["security", "--offline=yes", "--no-pager", file],
        env: { SYSTEMD_COLORS: "0" },
      }).output();
      const out = new TextDecoder().decode(r.stdout);
      const level = Number(out.match(/Overall exposure level for \S+: ([\d.]+)/)?.[1]);
      assert.ok(level < 4, `exposure ${level}:\n${out}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kube-proxy-config.yaml is the guides' seed configuration", () => {
  const [config] = loadYaml("kube-proxy-config.yaml");
  checkProxyConfiguration(config, "kube-proxy-config.yaml");
  assert.equal(config.clientConnection.kubeconfig, "/var/lib/kube-proxy/kubeconfig");
  assert.equal(config.mode, "iptables");
  assert.equal(config.clusterCIDR, "10.200.0.0/16");
});
