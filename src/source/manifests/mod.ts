/**
 * The manifest source (`--manifests PATH`): Kubernetes objects read from
 * YAML or JSON files (one file or a directory, multi-document files, `kind:
 * List`, `kubectl get -o yaml` output) into a {@linkcode ClusterState}, and
 * reloaded when the files change. Errors name the file and line.
 *
 * @module
 */

export {
  loadManifestsInto,
  type LoadManifestsOptions,
  type ManifestLoadSummary,
  type ManifestSource,
  startManifestSource,
} from "./manifest_source.ts";
export {
  type ManifestEntry,
  ManifestError,
  manifestFiles,
  type ManifestObjects,
  parseManifestText,
  readManifests,
} from "./read_manifests.ts";
export { parseYamlDocuments, type YamlDocument, type YamlStats } from "./yaml_documents.ts";
