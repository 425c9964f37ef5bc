/**
 * A separate process that, for each kubeconfig given, GETs
 * `/api/v1/services` from the API server it names and prints one JSON line:
 * `{"status": N}` or `{"error": "..."}`. Tests run it with an environment of
 * their choosing (e.g. `DENO_CERT`, which Deno reads once, at start, to
 * extend the system roots).
 *
 * ```sh
 * deno run -A tests/support/api_get_probe.ts KUBECONFIG...
 * ```
 *
 * @module
 */

import { loadClientConfig } from "../../src/source/apiserver/client_config.ts";
import { ApiClient } from "../../src/source/apiserver/api_client.ts";

async function get(kubeconfigPath: string): Promise<Record<string, unknown>> {
  try {
    const client = new ApiClient(loadClientConfig({ kubeconfigPath }));
    try {
      const res = await client.get("/api/v1/services", {}, AbortSignal.timeout(10_000));
      await res.body?.cancel();
      return { status: res.status };
    } finally {
      client.close();
    }
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

if (import.meta.main) {
  for (const kubeconfig of Deno.args) console.log(JSON.stringify(await get(kubeconfig)));
}
