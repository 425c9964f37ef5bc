/**
 * Configuration files for tests, as real tools write them: kubeadm's
 * `kube-proxy` ConfigMap (its `config.conf`), and the "hard way" file in
 * deploy/. Plus an in-memory host for `resolveParsed`.
 *
 * @module
 */

import { parse } from "yaml";
import type { ResolveHost } from "../../src/config/resolve_config.ts";

const ROOT = new URL("../../", import.meta.url);

/** `config.conf` of kubeadm's kube-proxy ConfigMap (tests/fixtures/config/). */
export function kubeadmConfigConf(): string {
  const cm = parse(
    Deno.readTextFileSync(
      new URL("tests/fixtures/config/kubeadm_kube_proxy_configmap.yaml", ROOT),
    ),
  );
  return cm.data["config.conf"];
}

/** deploy/kube-proxy-config.yaml: the classic guides' file (`mode: "iptables"`). */
export function hardWayConfig(): string {
  return Deno.readTextFileSync(new URL("deploy/kube-proxy-config.yaml", ROOT));
}

/** A host whose files are `files` and whose hostname is `hostname`. */
export function memoryHost(files: Record<string, string>, hostname = "Node-A"): ResolveHost {
  return {
    readTextFile: (path) =>
      path in files
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(`no such file: ${path}`)),
    hostname: () => hostname,
  };
}

/** The head every hand-written test file starts with. */
export const HEAD = "kind: KubeProxyConfiguration\napiVersion: kubeproxy.config.k8s.io/v1alpha1\n";
