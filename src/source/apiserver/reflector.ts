/**
 * A reflector keeps one kind of object in {@linkcode ClusterState} in step
 * with the API server: list, then watch from the list's resourceVersion;
 * relist on 410 Gone; reconnect with backoff on any other failure or cut
 * stream. It never stops by itself and never clears state on errors.
 *
 * @module
 */

import type { ClusterState, ObjectKind } from "../cluster_state.ts";
import type { Logger } from "../../log/logger.ts";
import type { ApiClient } from "./api_client.ts";
import { Backoff, type BackoffOptions } from "../../util/backoff.ts";
import { ApiStatusError, WatchStalledError } from "./errors.ts";
import { applyWatchEvent } from "./watch_event.ts";
import { readJsonLines } from "./json_lines.ts";
import { listAll, type ListResult } from "./list.ts";

/** What to list and watch. */
export interface ReflectorOptions {
  kind: ObjectKind;
  /** Collection path, e.g. `/api/v1/services`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  client: ApiClient;
  state: ClusterState;
  logger: Logger;
  /** Server-side watch timeout. @default random in [300, 600) s, per watch */
  watchTimeoutSeconds?: number;
  /** A watch still open this long after its timeout is aborted as stalled. @default 30000 */
  watchGraceMs?: number;
  /** Timeout of one list request. @default 60000 */
  listTimeoutMs?: number;
  /** Page size of lists. @default 500 */
  pageSize?: number;
  /** Treat 404 as "resource not served": state empty, re-check later. @default false */
  optional?: boolean;
  /** How often an absent optional resource is re-checked. @default 300000 */
  absentRecheckMs?: number;
  backoff?: BackoffOptions;
}

/** Health of one reflector. */
export interface ReflectorStatus {
  kind: ObjectKind;
  /** The first list has completed. */
  synced: boolean;
  /** A watch stream is open. */
  connected: boolean;
  /** False when an optional resource answered 404. */
  served: boolean;
  resourceVersion?: string;
  lastError?: string;
  lastErrorAt?: Date;
  lastEventAt?: Date;
  lists: number;
  watches: number;
  /** Objects and watch events skipped because of their shape. */
  skipped: number;
}

/** How long stop() waits for the list/watch loop to end after aborting it. */
const STOP_WAIT_MS = 2000;

/**
 * Lists and watches one kind into the cluster state. Objects and events of
 * the wrong shape are skipped with a warning naming the kind and the object;
 * the others are applied.
 */
export class Reflector {
  readonly #options: ReflectorOptions;
  readonly #backoff: Backoff;
  readonly #status: ReflectorStatus;
  #rv?: string;
  #stopped = false;
  #abort?: AbortController;
  #wake?: () => void;
  #run?: Promise<void>;
  #resolveSynced!: () => void;
  /** Resolves when the first list has been applied (never, if stopped before that). */
  readonly synced: Promise<void>;

  constructor(options: ReflectorOptions) {
    if (!options.path.startsWith("/")) {
      throw new RangeError(`Reflector: 'path' must start with "/", got "${options.path}"`);
    }
    const t = options.watchTimeoutSeconds;
    if (t !== undefined && !(t >= 1)) {
      throw new RangeError("Reflector: 'watchTimeoutSeconds' must be >= 1");
    }
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#status = {
      kind: options.kind,
      synced: false,
      connected: false,
      served: true,
      lists: 0,
      watches: 0,
      skipped: 0,
    };
    this.synced = new Promise((resolve) => (this.#resolveSynced = resolve));
  }

  /** Starts the list/watch loop. */
  start(): void {
    this.#run ??= this.#loop();
  }

  /** Stops the loop and waits for it to end. State is left as it is. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
    // Under Deno, the read of a watch body that streamed for a long time was seen to stay
    // pending after the abort (bench section d, 10k Services, 60 s): do not let a shutdown
    // wait for it. The caller closes the HTTP client, which ends the connections.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#run, new Promise((r) => timer = setTimeout(r, STOP_WAIT_MS))]);
    clearTimeout(timer);
  }

  /** A snapshot of this reflector's health. */
  status(): ReflectorStatus {
    return { ...this.#status, resourceVersion: this.#rv };
  }

  async #loop(): Promise<void> {
    const log = this.#options.logger;
    let gones = 0;
    while (!this.#stopped) {
      try {
        if (this.#rv === undefined) await this.#list();
        if (!this.#status.served) {
          await this.#sleep(this.#options.absentRecheckMs ?? 300_000);
          this.#rv = undefined;
          continue;
        }
        const started = Date.now();
        const events = await this.#watch();
        if (events === 0 && Date.now() - started < 1000) await this.#sleep(this.#backoff.next());
        gones = 0;
      } catch (e) {
        if (this.#stopped) break;
        this.#status.connected = false;
        if (e instanceof ApiStatusError && e.isGone) {
          log.v(2).info("Watch expired, relisting", {
            kind: this.#options.kind,
            resourceVersion: this.#rv,
          });
          this.#rv = undefined;
          if (++gones > 1) await this.#sleep(this.#backoff.next());
          continue;
        }
        this.#status.lastError = (e as Error)?.message ?? String(e);
        this.#status.lastErrorAt = new Date();
        const delay = this.#backoff.next();
        log.warn("API server list/watch failed; retrying", {
          kind: this.#options.kind,
          err: this.#status.lastError,
          retryInMs: delay,
        });
        await this.#sleep(delay);
      }
    }
    this.#status.connected = false;
  }

  async #list(): Promise<void> {
    const o = this.#options;
    this.#abort = new AbortController();
    let result: ListResult | "absent";
    try {
      result = await listAll(o.client, o.path, {
        labelSelector: o.labelSelector,
        fieldSelector: o.fieldSelector,
        pageSize: o.pageSize ?? 500,
        timeoutMs: o.listTimeoutMs ?? 60_000,
        signal: this.#abort.signal,
        optional: o.optional ?? false,
        kind: o.kind,
      });
    } finally {
      this.#abort = undefined;
    }
    if (this.#stopped) return;
    this.#status.lists++;
    if (result === "absent") {
      if (this.#status.served) {
        o.logger.info("The API server does not serve this resource; treating it as empty", {
          kind: o.kind,
          path: o.path,
        });
      }
      this.#status.served = false;
      o.state.replaceAll(o.kind, []);
    } else {
      this.#status.served = true;
      for (const why of result.skipped) this.#skipped(why);
      o.state.replaceAll(o.kind, result.items);
      this.#rv = result.resourceVersion;
      o.logger.v(2).info("Listed objects", {
        kind: o.kind,
        count: result.items.length,
        resourceVersion: this.#rv,
      });
    }
    this.#status.synced = true;
    this.#resolveSynced();
  }

  /** Runs one watch; returns the number of events seen when the stream ends cleanly. */
  async #watch(): Promise<number> {
    const o = this.#options;
    const timeout = o.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const abort = this.#abort = new AbortController();
    const deadline = setTimeout(
      () => abort.abort(new WatchStalledError(`watch open longer than ${timeout} s plus grace`)),
      timeout * 1000 + (o.watchGraceMs ?? 30_000),
    );
    let events = 0;
    try {
      const res = await o.client.get(o.path, {
        watch: "1",
        resourceVersion: this.#rv,
        allowWatchBookmarks: "true",
        timeoutSeconds: String(timeout),
        labelSelector: o.labelSelector,
        fieldSelector: o.fieldSelector,
      }, abort.signal);
      this.#status.connected = true;
      this.#status.watches++;
      o.logger.v(4).info("Watch started", { kind: o.kind, resourceVersion: this.#rv });
      if (!res.body) {
        throw new ApiStatusError(res.status, undefined, "watch response without a body");
      }
      for await (const ev of readJsonLines(res.body)) {
        const r = applyWatchEvent(o.state, o.kind, ev);
        if (r.skipped) this.#skipped(r.skipped);
        if (r.resourceVersion) this.#rv = r.resourceVersion;
        events++;
        this.#status.lastEventAt = new Date();
        this.#backoff.reset();
      }
      o.logger.v(4).info("Watch ended", { kind: o.kind, events });
      return events;
    } catch (e) {
      // An abort from the deadline surfaces as its reason; keep that message.
      throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : e;
    } finally {
      clearTimeout(deadline);
      this.#abort = undefined;
      this.#status.connected = false;
    }
  }

  /** Logs an object or event left out because of its shape. */
  #skipped(why: string): void {
    this.#status.skipped++;
    this.#options.logger.warn("Skipping a malformed object from the API server", {
      kind: this.#options.kind,
      object: why,
    });
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
