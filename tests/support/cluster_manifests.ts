/**
 * Realistic manifests of a generated cluster, shaped like the output of
 * `kubectl get svc,endpointslices -A -o yaml`: Services with uid,
 * creationTimestamp, resourceVersion, labels, selector and status;
 * EndpointSlices with ownerReferences, conditions, nodeName, zone, targetRef
 * and ports; optionally managedFields and the last-applied annotation.
 * Addresses follow the benchmark plan of scripts/bench/cluster_gen.ts, so the
 * ruleset rendered from these files is the one the benchmarks measure.
 *
 * As a script it writes a file or a directory of files:
 *
 * ```sh
 * deno run -A tests/support/cluster_manifests.ts --services 10000 --out /tmp/cluster.yaml
 * deno run -A tests/support/cluster_manifests.ts --services 10000 --files 20 --out /tmp/cluster/
 * ```
 *
 * Flags: `--endpoints N` (per Service, default 10), `--managed-fields`,
 * `--last-applied`, `--list` (one `kind: List` per file instead of documents).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  defaultEndpoints,
  makeNode,
  makeService,
  makeSlice,
  NODE_NAME,
  serviceName,
} from "../../scripts/bench/cluster_gen.ts";
import { toKubectlList, toYamlDocuments } from "./kubectl_yaml.ts";

/** Options of {@linkcode realisticObjects}. */
export interface RealisticOptions {
  services: number;
  /** Endpoints per Service (one EndpointSlice each). @default 10 */
  endpointsPerService?: number;
  /** Add `metadata.managedFields` as the API server stores them. @default false */
  managedFields?: boolean;
  /** Add the `kubectl.kubernetes.io/last-applied-configuration` annotation. @default false */
  lastApplied?: boolean;
}

type Obj = Record<string, unknown>;

const CREATED = "2026-11-02T09:14:27Z";

/** A deterministic RFC 4122-shaped uid for object `i` of kind number `k`. */
function uid(k: number, i: number): string {
  const h = (i * 2654435761 + k * 40503) >>> 0;
  const hex = h.toString(16).padStart(8, "0");
  return `${hex}-${(0x1000 + k).toString(16)}-4${hex.slice(0, 3)}-8${hex.slice(5)}-${
    i.toString(16).padStart(12, "0")
  }`;
}

function managedFieldsOf(manager: string, fields: Obj): Obj[] {
  return [{
    apiVersion: "v1",
    fieldsType: "FieldsV1",
    fieldsV1: fields,
    manager,
    operation: "Update",
    time: CREATED,
  }];
}

function service(i: number, o: RealisticOptions): Obj {
  const base = makeService(i);
  const name = serviceName(i);
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "bench" };
  const meta: Obj = {
    creationTimestamp: CREATED,
    labels,
    name,
    namespace: base.metadata!.namespace,
    resourceVersion: String(100_000 + 2 * i),
    uid: uid(1, i),
  };
  const spec = {
    ...base.spec,
    internalTrafficPolicy: "Cluster",
    ipFamilyPolicy: "SingleStack",
    selector: { "app.kubernetes.io/name": name },
    sessionAffinity: "None",
  };
  if (o.lastApplied) {
    const applied = { apiVersion: "v1", kind: "Service", metadata: { labels, name }, spec };
    meta.annotations = {
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(applied) + "\n",
    };
  }
  if (o.managedFields) {
    meta.managedFields = managedFieldsOf("kubectl-client-side-apply", {
      "f:metadata": { "f:labels": { ".": {}, "f:app.kubernetes.io/name": {} } },
      "f:spec": {
        "f:internalTrafficPolicy": {},
        "f:ports": { ".": {}, 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:name": {} } },
        "f:selector": {},
        "f:sessionAffinity": {},
        "f:type": {},
      },
    });
  }
  return { apiVersion: "v1", kind: "Service", metadata: meta, spec, status: { loadBalancer: {} } };
}

function slice(i: number, o: RealisticOptions): Obj {
  const per = o.endpointsPerService ?? 10;
  const base = makeSlice(i, defaultEndpoints(i, per));
  const name = serviceName(i);
  const ns = base.metadata!.namespace;
  const meta: Obj = {
    annotations: { "endpoints.kubernetes.io/last-change-trigger-time": CREATED },
    creationTimestamp: CREATED,
    generateName: `${name}-`,
    generation: 1,
    labels: {
      "app.kubernetes.io/name": name,
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
      "kubernetes.io/service-name": name,
    },
    name: base.metadata!.name,
    namespace: ns,
    ownerReferences: [{
      apiVersion: "v1",
      blockOwnerDeletion: true,
      controller: true,
      kind: "Service",
      name,
      uid: uid(1, i),
    }],
    resourceVersion: String(100_001 + 2 * i),
    uid: uid(2, i),
  };
  if (o.managedFields) {
    meta.managedFields = managedFieldsOf("endpointslice-controller.k8s.io", {
      "f:addressType": {},
      "f:endpoints": {},
      "f:metadata": { "f:annotations": { ".": {} }, "f:generateName": {}, "f:labels": {} },
      "f:ports": {},
    });
  }
  const endpoints = (base.endpoints ?? []).map((e, j) => ({
    ...e,
    targetRef: { kind: "Pod", name: `${name}-7d9f8b6c5d-${j}x${i}`, namespace: ns, uid: uid(3, j) },
    zone: e.nodeName === NODE_NAME ? "zone-a" : "zone-b",
  }));
  return { ...base, endpoints, metadata: meta } as Obj;
}

/** The Node, then Service and EndpointSlice of every index, in that order. */
export function* realisticObjects(o: RealisticOptions): Generator<Obj> {
  if (!Number.isInteger(o.services) || o.services < 1) {
    throw new RangeError(`realisticObjects: 'services' must be >= 1, got ${o.services}`);
  }
  yield makeNode() as Obj;
  for (let i = 0; i < o.services; i++) {
    yield service(i, o);
    yield slice(i, o);
  }
}

/** Options of {@linkcode writeClusterManifests}. */
export interface WriteOptions extends RealisticOptions {
  /** A file, or (with `files` > 1) a directory created if missing. */
  out: string;
  /** Spread the objects over this many files `part-NNN.yaml`. @default 1 */
  files?: number;
  /** One `kind: List` per file (as `kubectl get -o yaml`) instead of `---` documents. @default false */
  list?: boolean;
}

/** Writes the manifests; returns the paths written and their total size in bytes. */
export async function writeClusterManifests(o: WriteOptions): Promise<{
  paths: string[];
  bytes: number;
}> {
  const n = o.files ?? 1;
  const all = [...realisticObjects(o)];
  const parts: Obj[][] = Array.from({ length: n }, () => []);
  // Keep a Service and its slice in the same file; the Node goes to the first one.
  all.forEach((obj, k) => parts[k === 0 ? 0 : Math.floor((k - 1) / 2) % n].push(obj));
  const paths: string[] = [];
  let bytes = 0;
  if (n > 1) await Deno.mkdir(o.out, { recursive: true });
  for (let p = 0; p < n; p++) {
    const path = n > 1
      ? `${o.out.replace(/\/+$/, "")}/part-${String(p).padStart(3, "0")}.yaml`
      : o.out;
    const text = o.list ? toKubectlList(parts[p]) : toYamlDocuments(parts[p]);
    await Deno.writeTextFile(path, text);
    paths.push(path);
    bytes += new TextEncoder().encode(text).length;
  }
  return { paths, bytes };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      services: { type: "string", default: "10000" },
      endpoints: { type: "string", default: "10" },
      files: { type: "string", default: "1" },
      out: { type: "string" },
      "managed-fields": { type: "boolean", default: false },
      "last-applied": { type: "boolean", default: false },
      list: { type: "boolean", default: false },
    },
  });
  if (!values.out) {
    console.error("usage: cluster_manifests.ts --out PATH [--services N] [--files N] ...");
    Deno.exit(2);
  }
  const r = await writeClusterManifests({
    out: values.out,
    services: Number(values.services),
    endpointsPerService: Number(values.endpoints),
    files: Number(values.files),
    managedFields: values["managed-fields"],
    lastApplied: values["last-applied"],
    list: values.list,
  });
  console.log(`wrote ${r.paths.length} file(s), ${(r.bytes / 1e6).toFixed(1)} MB`);
}
