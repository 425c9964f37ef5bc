/**
 * This host: kernel parameters (conntrack sysctls, applied as upstream does
 * at start and with `--init-only`), the one-proxy-per-node instance lock,
 * the interface addresses, running helper programs, and loading C libraries with a scoped
 * `--allow-ffi`. Paths are injectable so that tests never touch the host.
 *
 * @module
 */

export { CMemory, LibraryLoadError, libraryPaths, openLibrary } from "./c_library.ts";
export {
  type ApplyConntrackOptions,
  applyConntrackSysctls,
  conntrackMax,
  type ConntrackSettings,
  plannedConntrackSysctls,
  type SysctlChange,
  type SysctlResult,
} from "./conntrack_sysctls.ts";
export {
  acquireInstanceLock,
  defaultLibcPaths,
  type InstanceLock,
  InstanceLockError,
  InstanceLockHeldError,
  type InstanceLockOptions,
} from "./instance_lock.ts";
export { interfaceAddresses } from "./interface_addresses.ts";
export { type CommandResult, runCommand } from "./run_command.ts";
export {
  isReadOnlyError,
  REAL_FILES,
  SysctlError,
  type SysctlFiles,
  Sysctls,
  type SysctlsOptions,
} from "./sysctl.ts";
