import assert from "node:assert/strict";
import { startClusterSource } from "../../../src/cli/cluster_source.ts";
import { configFromFlags } from "../../../src/config/resolve_config.ts";
import { silentLogger } from "../../../src/log/logger.ts";

function manifest(ip: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ port: 80 }] },
  });
}

/** Replaces `path` the way editors and config management do: write aside, rename over. */
async function replace(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${path}.tmp`, text);
  await Deno.rename(`${path}.tmp`, path);
}

Deno.test("startClusterSource() re-reads a manifest file every configSyncPeriod, even when file events are lost", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kp-src-" });
  const file = `${dir}/cluster.json`;
  await Deno.writeTextFile(file, manifest("10.96.0.1"));
  const config = configFromFlags([`--manifests=${file}`, "--config-sync-period=1s"], {
    hostname: () => "node-a",
  });
  const src = await startClusterSource(config, { logger: silentLogger, watch: true });
  const clusterIP = () =>
    (src.state.get("Service", "default/web") as { spec: { clusterIP: string } } | undefined)?.spec
      .clusterIP;
  try {
    assert.equal(clusterIP(), "10.96.0.1");
    // After a rename over the watched file, a watch on the file follows the old inode.
    for (const ip of ["10.96.0.2", "10.96.0.3", "10.96.0.4"]) {
      await replace(file, manifest(ip));
      await new Promise((r) => setTimeout(r, 300));
    }
    const deadline = Date.now() + 2500;
    while (clusterIP() !== "10.96.0.4" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(clusterIP(), "10.96.0.4");
  } finally {
    await src.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startClusterSource() without watch reads the manifests once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kp-src-" });
  await Deno.writeTextFile(`${dir}/a.json`, manifest("10.96.0.9"));
  const config = configFromFlags([`--manifests=${dir}`], { hostname: () => "node-a" });
  const src = await startClusterSource(config, { logger: silentLogger, watch: false });
  try {
    assert.ok(src.state.get("Service", "default/web"));
  } finally {
    await src.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
