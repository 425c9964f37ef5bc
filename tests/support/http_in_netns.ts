/**
 * An HTTP GET from inside a test network namespace (python3's urllib), for
 * the proxy's health and metrics endpoints.
 *
 * @module
 */

import { inNamespace, run } from "./netns/mod.ts";

/** The answer, or the connection error's text in `error`. */
export interface HttpAnswer {
  status: number;
  body: string;
  error?: string;
}

/** GETs `url` from namespace `ns`. */
export async function httpGetIn(ns: string, url: string): Promise<HttpAnswer> {
  const code = `import json,urllib.request,urllib.error
try:
  r=urllib.request.urlopen(${
    JSON.stringify(url)
  },timeout=3); print(json.dumps({"status":r.status,"body":r.read().decode()}))
except urllib.error.HTTPError as e:
  print(json.dumps({"status":e.code,"body":e.read().decode()}))
except Exception as e:
  print(json.dumps({"status":0,"body":"","error":str(e)}))`;
  const r = await run(inNamespace(ns, ["python3", "-c", code]));
  return JSON.parse(r.stdout);
}
