/**
 * One open watch stream of the fake API server: replays history, then streams
 * live store events as newline-delimited JSON, with bookmarks, a server-side
 * timeout, and the ability to be cut mid-stream the way a failing server is.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Matcher } from "./selectors.ts";
import type { FakeObject, FakeStore, StoreEvent } from "./store.ts";
import { apiVersionOf, type ResourceDef } from "./resources.ts";

/** How {@linkcode OpenWatch.cut} ends the connection. */
export type CutMode = "fin" | "rst" | "tls-close";

/** What one watch streams. */
export interface WatchSpec {
  store: FakeStore;
  def: ResourceDef;
  namespace?: string;
  match: Matcher;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutMs: number;
  tls: boolean;
}

type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** Translates a store event into what this watcher sees, as the API server does for selectors. */
function translate(
  spec: WatchSpec,
  ev: StoreEvent,
): { type: EventType; object: FakeObject } | null {
  if (ev.def !== spec.def) return null;
  if (spec.namespace !== undefined && ev.object.metadata?.namespace !== spec.namespace) return null;
  const now = spec.match(ev.object);
  if (ev.type !== "MODIFIED") return now ? { type: ev.type, object: ev.object } : null;
  const before = ev.previous ? spec.match(ev.previous) : false;
  if (now && before) return { type: "MODIFIED", object: ev.object };
  if (now) return { type: "ADDED", object: ev.object };
  if (before) return { type: "DELETED", object: ev.object };
  return null;
}

/** A live watch response. */
export class OpenWatch {
  readonly spec: WatchSpec;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  #unsubscribe?: () => void;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #done = false;
  #onDone: () => void;

  constructor(spec: WatchSpec, req: IncomingMessage, res: ServerResponse, onDone: () => void) {
    this.spec = spec;
    this.req = req;
    this.res = res;
    this.#onDone = onDone;
    res.on("close", () => this.#finish());
    req.socket.on("error", () => {});
  }

  /** Sends the headers and the initial events, then follows the store. */
  start(initial: StoreEvent[] | FakeObject[], synthetic: boolean): void {
    this.res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache" });
    this.res.flushHeaders();
    if (synthetic) {
      for (const o of initial as FakeObject[]) {
        if (this.spec.match(o)) this.#send("ADDED", o);
      }
    } else {
      for (const ev of initial as StoreEvent[]) this.#forward(ev);
    }
    this.#unsubscribe = this.spec.store.subscribe((ev) => this.#forward(ev));
    if (this.spec.bookmarks) {
      this.#timers.push(setInterval(() => this.#bookmark(), this.spec.bookmarkIntervalMs));
    }
    this.#timers.push(setTimeout(() => this.end(), this.spec.timeoutMs));
  }

  #forward(ev: StoreEvent): void {
    const t = translate(this.spec, ev);
    if (t) this.#send(t.type, t.object);
  }

  #bookmark(): void {
    this.#sendRaw({
      type: "BOOKMARK",
      object: {
        kind: this.spec.def.kind,
        apiVersion: apiVersionOf(this.spec.def),
        metadata: { resourceVersion: String(this.spec.store.resourceVersion) },
      },
    });
  }

  #send(type: EventType | "ERROR", object: unknown): void {
    this.#sendRaw({ type, object });
  }

  #sendRaw(event: unknown): void {
    if (this.#done) return;
    this.res.write(JSON.stringify(event) + "\n");
  }

  /** Writes raw text into the stream (to test clients against malformed data). */
  writeRaw(text: string): void {
    if (!this.#done) this.res.write(text);
  }

  /**
   * Goes silent without closing: no events, no bookmarks, no timeout. Models
   * a half-open connection (peer gone without FIN or RST).
   */
  stall(): void {
    this.#finish();
  }

  /** Sends an ERROR event carrying `status`, then ends the response. */
  error(status: unknown): void {
    this.#send("ERROR", status);
    this.end();
  }

  /** Ends the response cleanly, as the server does at `timeoutSeconds`. */
  end(): void {
    if (this.#done) return;
    this.#finish();
    this.res.end();
  }

  /**
   * Cuts the connection mid-response: "fin" closes TCP without TLS
   * close_notify, "rst" resets TCP, "tls-close" sends close_notify then FIN.
   * For a plain-HTTP server "fin" and "tls-close" both just close TCP.
   */
  cut(mode: CutMode): void {
    if (this.#done) return;
    this.#finish();
    const sock = this.req.socket as Socket & { _parent?: Socket };
    const raw: Socket = this.spec.tls ? sock._parent ?? sock : sock;
    raw.on("error", () => {});
    if (mode === "rst") {
      raw.resetAndDestroy();
      return;
    }
    // Free the server side once the client has closed its end too.
    raw.once("end", () => sock.destroy());
    if (mode === "fin") raw.end();
    else sock.end();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#unsubscribe?.();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    this.#onDone();
  }
}
