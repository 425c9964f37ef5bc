/**
 * `deno task demo`: the walkthrough on one machine. As root it builds network
 * namespaces for a node, 3 nginx-like pods and a client pod, runs the proxy
 * in the node namespace against a manifest, prints the answers of 10 requests
 * to the ClusterIP, scales to 4 pods and prints them again. Without root it
 * prints the `--dry-run` ruleset of the same scenario instead.
 *
 * @module
 */

import { Topology } from "../tests/support/netns/mod.ts";
import { endpointSlice, node, service, writeManifest } from "../tests/support/cluster_objects.ts";
import { ProxyProcess } from "../tests/support/proxy_process.ts";

const VIP = "10.96.0.10";
const ROOT = new URL("../", import.meta.url).pathname;

function objects(podIps: string[]) {
  return [
    node("node", ["198.51.100.10"], ["10.244.1.0/24"]),
    service("nginx", [VIP], [{ name: "http", port: 80, targetPort: 8080 }]),
    endpointSlice(
      "nginx-abc12",
      "nginx",
      4,
      [{ name: "http", port: 8080 }],
      podIps.map((ip) => ({ ip })),
    ),
  ];
}

async function requests(topo: Topology, n: number): Promise<void> {
  const results = await topo.probe({ from: "client", to: VIP, port: 80, count: n });
  for (const [i, r] of results.entries()) {
    const text = r.kind === "ok" ? String(r.reply?.msg ?? r.raw ?? r.pod) : r.kind;
    console.log(`  request ${String(i + 1).padStart(2)} to http://${VIP}/: ${text}`);
  }
}

if (Deno.uid() !== 0) {
  console.log("Not running as root: network namespaces and nft need root, so this demo prints the");
  console.log("ruleset the proxy would apply for the walkthrough (--dry-run) instead.\n");
  const dir = await Deno.makeTempDir({ prefix: "kp-demo-" });
  try {
    await writeManifest(
      `${dir}/cluster.json`,
      objects(["10.244.1.10", "10.244.1.11", "10.244.1.12"]),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}main.ts`,
        "--dry-run",
        "--manifests",
        dir,
        "--hostname-override",
        "node",
        "--cluster-cidr",
        "10.244.0.0/16",
      ],
    }).output();
    await Deno.stdout.write(out.stdout);
    await Deno.stderr.write(out.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  Deno.exit(0);
}

console.log("Building namespaces: a node, 3 pods (web-1..3) and a client pod ...");
const topo = await Topology.create({
  pods: [{ name: "web-1", tcp: [8080] }, { name: "web-2", tcp: [8080] }, {
    name: "web-3",
    tcp: [8080],
  }, { name: "client", server: false }],
  dualStack: false,
});
const dir = await Deno.makeTempDir({ prefix: "kp-demo-" });
let proxy: ProxyProcess | undefined;
try {
  const file = `${dir}/cluster.json`;
  await writeManifest(file, objects(["web-1", "web-2", "web-3"].map((p) => topo.podIp(p))));
  console.log(
    `Starting the proxy in the node namespace (Service nginx, ClusterIP ${VIP}:80 -> pods:8080) ...`,
  );
  proxy = ProxyProcess.start(topo.nsName("node"), [
    "--manifests",
    dir,
    "--hostname-override",
    "node",
    "--cluster-cidr",
    "10.244.0.0/16",
    "--min-sync-period",
    "0",
    "--healthz-bind-address",
    "",
    "--metrics-bind-address",
    "",
  ]);
  await proxy.waitForSyncs(1);
  console.log("\n10 requests to the ClusterIP from the client pod:");
  await requests(topo, 10);

  console.log("\nScaling to 4 pods (web-4 joins the EndpointSlice) ...");
  await topo.addPod({ name: "web-4", tcp: [8080] });
  const before = proxy.syncs;
  await writeManifest(
    file,
    objects(["web-1", "web-2", "web-3", "web-4"].map((p) => topo.podIp(p))),
  );
  await proxy.waitForSyncs(before + 1);
  console.log("\n10 requests to the ClusterIP from the client pod:");
  await requests(topo, 10);
} finally {
  console.log("\nCleaning up ...");
  await proxy?.stop();
  await topo.destroy();
  await Deno.remove(dir, { recursive: true });
}
