import assert from "node:assert/strict";
import { type ConfigChange, watchConfigFile } from "../../../src/cli/config_watcher.ts";
import { silentLogger } from "../../../src/log/logger.ts";

/** A directory laid out as kubelet mounts a ConfigMap: config.conf -> ..data/config.conf. */
async function configMapDir(
  text: string,
): Promise<{ dir: string; file: string; swap(t: string): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "kp-cm-" });
  let n = 0;
  const swap = async (t: string) => {
    // kubelet's atomic writer: a new timestamped directory, a temporary ..data link, a rename.
    const ts = `..2025_06_02_09_14_0${n++}.000000000`;
    await Deno.mkdir(`${dir}/${ts}`);
    await Deno.writeTextFile(`${dir}/${ts}/config.conf`, t);
    await Deno.symlink(ts, `${dir}/..data_tmp`);
    await Deno.rename(`${dir}/..data_tmp`, `${dir}/..data`);
  };
  await swap(text);
  await Deno.symlink("..data/config.conf", `${dir}/config.conf`);
  return { dir, file: `${dir}/config.conf`, swap };
}

function watch(file: string, text: string, valid = (t: string) => !t.includes("bad")) {
  const changes: ConfigChange[] = [];
  const w = watchConfigFile({
    file,
    text,
    logger: silentLogger,
    debounceMs: 50,
    check: (t) => valid(t) ? Promise.resolve() : Promise.reject(new Error("clusterCIDR: bad")),
    onChange: (c) => changes.push(c),
  });
  return { w, changes };
}

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

Deno.test("watchConfigFile() notices kubelet's ..data swap of a ConfigMap with new content", async () => {
  const cm = await configMapDir("mode: nftables\n");
  const { w, changes } = watch(cm.file, "mode: nftables\n");
  try {
    await settle(100);
    await cm.swap("mode: nftables\nclusterCIDR: 10.0.0.0/8\n");
    await settle();
    assert.deepEqual(changes, [{ valid: true }]);
  } finally {
    w.stop();
    await Deno.remove(cm.dir, { recursive: true });
  }
});

Deno.test("watchConfigFile() ignores a swap or a write with the same content", async () => {
  const cm = await configMapDir("same\n");
  const { w, changes } = watch(cm.file, "same\n");
  try {
    await settle(100);
    await cm.swap("same\n");
    await Deno.writeTextFile(`${cm.dir}/..data/config.conf`, "same\n");
    await settle();
    assert.deepEqual(changes, []);
  } finally {
    w.stop();
    await Deno.remove(cm.dir, { recursive: true });
  }
});

Deno.test("watchConfigFile() reports an invalid new file, once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kp-cfg-" });
  const file = `${dir}/kube-proxy-config.yaml`;
  await Deno.writeTextFile(file, "good\n");
  const { w, changes } = watch(file, "good\n");
  try {
    await settle(100);
    await Deno.writeTextFile(file, "bad\n");
    await settle();
    await Deno.writeTextFile(file, "good again\n");
    await settle();
    assert.equal(changes.length, 1);
    assert.equal(changes[0].valid, false);
    assert.match((changes[0] as { error: Error }).error.message, /clusterCIDR: bad/);
  } finally {
    w.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
