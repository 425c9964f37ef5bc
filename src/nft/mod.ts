/**
 * The kernel side: {@linkcode NftRunner}s that apply nft scripts as one
 * atomic transaction each (in process through libnftables, or the `nft`
 * binary), the in-memory {@linkcode FakeNftRunner} for tests without root,
 * `--cleanup`, and the watchers that notice when the proxy's tables are
 * changed behind its back ({@linkcode TableMonitor}, {@linkcode DriftChecker}).
 *
 * @module
 */

export { cleanupTables } from "./cleanup.ts";
export { DriftChecker, type DriftCheckerOptions } from "./drift_checker.ts";
export { ExecNftRunner, type ExecNftRunnerOptions } from "./exec_nft_runner.ts";
export {
  type FailurePredicate,
  type FakeErrno,
  type FakeNftCall,
  FakeNftError,
  FakeNftRunner,
  type FakeNftRunnerOptions,
  type FakeTableView,
} from "./fake_nft_runner.ts";
export {
  type KernelObjectKind,
  listTables,
  parseTableObjects,
  tableObjects,
} from "./kernel_objects.ts";
export {
  LIBNFTABLES,
  LibNftablesRunner,
  LibNftablesUnavailableError,
} from "./libnftables_runner.ts";
export { MonitoredRunner, PAUSE_ABOVE_BYTES } from "./monitored_runner.ts";
export {
  failingLineNumbers,
  failingLines,
  firstErrorLine,
  NftError,
  type NftRunner,
} from "./nft_runner.ts";
export { type NftBackend, type OpenedRunner, openNftRunner } from "./open_runner.ts";
export {
  NftEventParser,
  type NftTransaction,
  TableMonitor,
  type TableMonitorOptions,
  TableMonitorUnavailableError,
} from "./table_monitor.ts";
