/**
 * Watches the `--config` file. As upstream kube-proxy, a change ends the
 * process, so that its supervisor (systemd, the DaemonSet) restarts it with
 * the new file. The directory is watched, not the file: kubelet updates a
 * ConfigMap volume by swapping the `..data` symlink, which replaces the file
 * without writing to it.
 *
 * Events are debounced and the content compared, so that touching the file
 * or a swap with the same content changes nothing. The new content is
 * checked first, so that the log says whether the restart will succeed.
 *
 * @module
 */

import type { Logger } from "../log/logger.ts";

/** What the watcher found. */
export type ConfigChange = { valid: true } | { valid: false; error: Error };

/** Options of {@linkcode watchConfigFile}. */
export interface ConfigWatcherOptions {
  /** The `--config` path. */
  file: string;
  /** The content the proxy started with. */
  text: string;
  /** Throws when `text` is not a valid configuration. */
  check: (text: string) => Promise<void>;
  /** Called once, on the first change of content. */
  onChange: (change: ConfigChange) => void;
  logger: Logger;
  /** Quiet time after the last event before the file is read. @default 300 */
  debounceMs?: number;
}

/** A running watcher. */
export interface ConfigWatcher {
  stop(): void;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

/** Starts watching. */
export function watchConfigFile(options: ConfigWatcherOptions): ConfigWatcher {
  const watcher = Deno.watchFs(dirname(options.file), { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const stop = () => {
    done = true;
    clearTimeout(timer);
    try {
      watcher.close();
    } catch { /* already closed */ }
  };
  const inspect = async () => {
    let text: string;
    try {
      text = await Deno.readTextFile(options.file);
    } catch (e) {
      // Missing for a moment while an editor or kubelet replaces it: wait for the next event.
      options.logger.v(2).info("Cannot read the configuration file; waiting", {
        file: options.file,
        error: (e as Error).message,
      });
      return;
    }
    if (done || text === options.text) return;
    let change: ConfigChange;
    try {
      await options.check(text);
      change = { valid: true };
    } catch (e) {
      change = { valid: false, error: e as Error };
    }
    if (done) return;
    stop();
    options.onChange(change);
  };
  (async () => {
    try {
      for await (const _ of watcher) {
        if (done) break;
        clearTimeout(timer);
        timer = setTimeout(() => void inspect(), options.debounceMs ?? 300);
      }
    } catch (e) {
      if (!done) {
        options.logger.error("Watching the configuration file failed", {
          error: (e as Error).message,
        });
      }
    }
  })();
  return { stop };
}
