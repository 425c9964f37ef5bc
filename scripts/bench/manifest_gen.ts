/**
 * Manifest files of a generated cluster, shaped like the output of
 * `kubectl get svc,endpointslices -A -o yaml` split into documents: Services
 * with uid, creationTimestamp, resourceVersion, labels, selector and status;
 * EndpointSlices with the controller's labels and annotation, ownerReferences,
 * and per endpoint its conditions, nodeName, zone and targetRef. Written as
 * multi-document YAML (the default) or as JSON `kind: List` files.
 *
 * @module
 */

import { endpointCount, generateObjects, type GenerateOptions, makeNode } from "./cluster_gen.ts";
import type { EndpointSlice, Service } from "../../src/model/kube_types.ts";
import { toKubectlYaml } from "../../tests/support/kubectl_yaml.ts";

/** Manifest formats. */
export type ManifestFormat = "yaml" | "json";

const CREATED = "2026-11-02T08:14:31Z";

/** A uid shaped like Kubernetes' (RFC 4122 text), deterministic per kind and index. */
export function fakeUid(kind: number, i: number): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0").slice(-w);
  return `${h(kind * 0x9e3779b1 + i, 8)}-${h(i >>> 16, 4)}-4${h(i, 3)}-8${h(kind, 3)}-${
    h(i * 2654435761, 12)
  }`;
}

/** Service `i` as kubectl prints it. */
export function kubectlService(i: number, svc: Service): Record<string, unknown> {
  const name = svc.metadata!.name!;
  return {
    ...svc,
    metadata: {
      creationTimestamp: CREATED,
      labels: { app: name },
      name,
      namespace: svc.metadata!.namespace,
      resourceVersion: String(1000 + 2 * i),
      uid: fakeUid(1, i),
    },
    spec: {
      ...svc.spec,
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      selector: { app: name },
      sessionAffinity: "None",
    },
    status: { loadBalancer: {} },
  };
}

/** The EndpointSlice of Service `i` as kubectl prints it. */
export function kubectlSlice(i: number, slice: EndpointSlice): Record<string, unknown> {
  const service = slice.metadata!.labels!["kubernetes.io/service-name"];
  const ns = slice.metadata!.namespace;
  return {
    ...slice,
    endpoints: (slice.endpoints ?? []).map((e, j) => ({
      ...e,
      targetRef: { kind: "Pod", name: `${service}-6c9f7d8b4-${j}q${i}`, namespace: ns },
      zone: j % 2 === 0 ? "zone-a" : "zone-b",
    })),
    metadata: {
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": CREATED },
      creationTimestamp: CREATED,
      generateName: `${service}-`,
      generation: 1,
      labels: {
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": service,
      },
      name: slice.metadata!.name,
      namespace: ns,
      ownerReferences: [{
        apiVersion: "v1",
        blockOwnerDeletion: true,
        controller: true,
        kind: "Service",
        name: service,
        uid: fakeUid(1, i),
      }],
      resourceVersion: String(1001 + 2 * i),
      uid: fakeUid(2, i),
    },
  };
}

/** What was written. */
export interface WrittenManifests {
  files: string[];
  bytes: number;
  documents: number;
}

/** Options of {@linkcode writeManifests}. */
export interface WriteManifestsOptions extends GenerateOptions {
  /** @default "yaml" */
  format?: ManifestFormat;
  /** Number of files the Services and slices are spread over (plus `node`). @default 1 */
  files?: number;
}

/**
 * Writes the cluster into `dir` as `cluster-NNNN.yaml` (or `.json`) files: the
 * Node first, then each Service followed by its slice. One file holds
 * 2N + 1 documents.
 */
export async function writeManifests(
  dir: string,
  o: WriteManifestsOptions,
): Promise<WrittenManifests> {
  const format = o.format ?? "yaml";
  const fileCount = Math.max(1, Math.min(o.files ?? 1, o.services));
  const { services, slices } = generateObjects(o);
  const written: WrittenManifests = { files: [], bytes: 0, documents: 0 };
  const enc = new TextEncoder();
  const write = async (name: string, objs: Iterable<Record<string, unknown>>) => {
    const path = `${dir}/${name}.${format}`;
    written.files.push(path);
    const f = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      if (format === "json") {
        const items = [...objs];
        const text = JSON.stringify({ apiVersion: "v1", kind: "List", items });
        written.documents += items.length;
        written.bytes += text.length;
        await f.write(enc.encode(text));
        return;
      }
      let chunk: string[] = [];
      let first = true;
      const flush = async () => {
        const text = chunk.join("");
        written.bytes += text.length;
        await f.write(enc.encode(text));
        chunk = [];
      };
      for (const obj of objs) {
        chunk.push(first ? "" : "---\n", toKubectlYaml(obj));
        first = false;
        written.documents++;
        if (chunk.length >= 2000) await flush();
      }
      await flush();
    } finally {
      f.close();
    }
  };
  const per = Math.ceil(o.services / fileCount);
  for (let fi = 0; fi < fileCount; fi++) {
    const from = fi * per, to = Math.min(o.services, from + per);
    await write(`cluster-${String(fi).padStart(4, "0")}`, objects(fi === 0, from, to));
  }
  return written;

  function* objects(node: boolean, from: number, to: number): Generator<Record<string, unknown>> {
    if (node) yield makeNode() as unknown as Record<string, unknown>;
    for (let i = from; i < to; i++) {
      yield kubectlService(i, services[i]);
      yield kubectlSlice(i, slices[i]);
    }
  }
}

/** Number of endpoints in a generated cluster (for reports). */
export function totalEndpoints(o: GenerateOptions): number {
  let n = 0;
  for (let i = 0; i < o.services; i++) n += endpointCount(i, o);
  return n;
}
