/**
 * Allocates blocks of endpoint slots. Each endpoint set (the cluster or the
 * local endpoints of one service port) owns a contiguous block; a packet's
 * chosen slot is `numgen random mod N offset base`, kept in the conntrack
 * mark, and the shared `slots` map turns it into the endpoint's address.
 *
 * Blocks are sized to powers of two, so a set can grow within its block
 * without moving, which keeps partial syncs small.
 *
 * @module
 */

/** First slot handed out; lower values are never used, so a zero mark never names an endpoint. */
export const FIRST_SLOT = 16;
/** Slots are conntrack marks: 32 bits. */
const SLOT_LIMIT = 0x1_0000_0000;

/** Raised when the 32-bit slot space is used up. */
export class SlotSpaceExhaustedError extends Error {
  constructor() {
    super("endpoint slot space (32-bit conntrack mark) exhausted");
    this.name = "SlotSpaceExhaustedError";
  }
}

/** A block of slots owned by one endpoint set. */
export interface SlotBlock {
  base: number;
  capacity: number;
}

function capacityFor(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

/** Allocates and frees slot blocks; owners are identified by string keys. */
export class SlotAllocator {
  #next = FIRST_SLOT;
  #free = new Map<number, number[]>(); // capacity -> bases
  #owned = new Map<string, SlotBlock>();

  /** The block of `owner`, sized for `n` endpoints (n >= 1); keeps the old one when it fits. */
  assign(owner: string, n: number): SlotBlock {
    const need = capacityFor(Math.max(1, n));
    const current = this.#owned.get(owner);
    if (current && current.capacity >= need && current.capacity <= need * 4) return current;
    if (current) this.release(owner);
    const bases = this.#free.get(need);
    let base = bases?.pop();
    if (base === undefined) {
      if (this.#next + need > SLOT_LIMIT) throw new SlotSpaceExhaustedError();
      base = this.#next;
      this.#next += need;
    }
    const block = { base, capacity: need };
    this.#owned.set(owner, block);
    return block;
  }

  /** Frees the block of `owner`, if any. */
  release(owner: string): void {
    const block = this.#owned.get(owner);
    if (!block) return;
    this.#owned.delete(owner);
    let list = this.#free.get(block.capacity);
    if (!list) this.#free.set(block.capacity, list = []);
    list.push(block.base);
  }

  /** The block of `owner`, if any. */
  get(owner: string): SlotBlock | undefined {
    return this.#owned.get(owner);
  }

  /** Number of owners. */
  get size(): number {
    return this.#owned.size;
  }
}
