/**
 * A program that runs the proxy's health servers inside a test's network
 * namespace and takes commands on stdin, one JSON object per line:
 *
 * - `{"op":"addresses","addresses":["10.0.0.5","fd00::5"]}`: set the health
 *   check node port addresses;
 * - `{"op":"services","services":[[32000,{"namespace":"ns","name":"lb","localEndpointIPs":2}]]}`:
 *   set the wanted health check ports.
 *
 * It prints `ready` once `/healthz` listens on `--healthz HOST:PORT` (and the
 * initial `--addresses a,b`), and `done N` after the N-th command; log lines
 * go to stderr.
 *
 * Usage: `deno run -A servers_agent.ts --healthz 0.0.0.0:10256 --addresses 10.0.0.5,fd00::5`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Logger } from "../../src/log/logger.ts";
import { parseHostPort } from "../../src/config/host_port.ts";
import { startHealthzServer } from "../../src/servers/healthz_server.ts";
import {
  HealthCheckNodePorts,
  type HealthCheckService,
} from "../../src/servers/health_check_node_ports.ts";
import { installProcessGuards } from "../../src/servers/process_guards.ts";
import { ProxyHealth } from "../../src/servers/proxy_health.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { healthz: { type: "string" }, addresses: { type: "string" } },
});
const logger = new Logger({ verbosity: 2 });
installProcessGuards(logger);
const health = new ProxyHealth({ healthTimeoutMs: 60_000 });
health.synced();
const bind = parseHostPort(values.healthz ?? "0.0.0.0:10256");
const healthz = startHealthzServer({ hostname: bind.hostname, port: bind.port, health, logger });
const checks = new HealthCheckNodePorts({
  addresses: (values.addresses ?? "0.0.0.0").split(","),
  proxyHealthy: () => health.isHealthy(),
  logger,
});
console.log("ready");

let n = 0;
for await (const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  for (const text of line.split("\n").filter((l) => l.trim() !== "")) {
    const cmd = JSON.parse(text);
    if (cmd.op === "addresses") await checks.setAddresses(cmd.addresses);
    if (cmd.op === "services") {
      await checks.update(new Map<number, HealthCheckService>(cmd.services));
    }
    console.log(`done ${++n} ${JSON.stringify(checks.listening())}`);
  }
}
await checks.stop();
await healthz.stop();
