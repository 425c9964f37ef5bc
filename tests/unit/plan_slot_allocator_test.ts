import assert from "node:assert/strict";
import { FIRST_SLOT, SlotAllocator } from "../../src/plan/slot_allocator.ts";

function overlaps(a: { base: number; capacity: number }, b: { base: number; capacity: number }) {
  return a.base < b.base + b.capacity && b.base < a.base + a.capacity;
}

Deno.test("SlotAllocator.assign() hands out disjoint power-of-two blocks from FIRST_SLOT", () => {
  const s = new SlotAllocator();
  const a = s.assign("a", 3);
  const b = s.assign("b", 1);
  const c = s.assign("c", 5);
  assert.deepEqual(a, { base: FIRST_SLOT, capacity: 4 });
  assert.deepEqual(b, { base: FIRST_SLOT + 4, capacity: 1 });
  assert.deepEqual(c, { base: FIRST_SLOT + 5, capacity: 8 });
  assert.ok(FIRST_SLOT > 0, "slot 0 (an unmarked connection) never names an endpoint");
  assert.equal(s.size, 3);
  assert.deepEqual(s.assign("z", 0).capacity, 1, "n=0 still gets one slot");
});

Deno.test("SlotAllocator.assign() keeps the block while the set grows within capacity", () => {
  const s = new SlotAllocator();
  const first = s.assign("a", 5);
  s.assign("b", 2);
  for (const n of [6, 7, 8, 5, 3, 2]) {
    assert.deepEqual(s.assign("a", n), first, `n=${n} keeps the block`);
  }
  const grown = s.assign("a", 9);
  assert.equal(grown.capacity, 16);
  assert.notEqual(grown.base, first.base, "outgrown block moves");
  assert.ok(!overlaps(grown, s.get("b")!));
});

Deno.test("SlotAllocator.assign() moves a block that became four times too big", () => {
  const s = new SlotAllocator();
  const big = s.assign("a", 16);
  assert.deepEqual(s.assign("a", 4), big, "4x still fits");
  assert.deepEqual(s.assign("a", 3), big, "3 rounds up to 4: still fits");
  const small = s.assign("a", 2);
  assert.equal(small.capacity, 2);
  assert.notEqual(small.base, big.base);
});

Deno.test("SlotAllocator.release() returns a block for reuse by the same capacity", () => {
  const s = new SlotAllocator();
  const a = s.assign("a", 4);
  s.assign("b", 4);
  s.release("a");
  assert.equal(s.get("a"), undefined);
  assert.equal(s.size, 1);
  const one = s.assign("one", 1);
  assert.ok(!overlaps(one, a), "a different capacity does not take the freed block");
  const c = s.assign("c", 3);
  assert.deepEqual(c, a, "the freed block is reused");
  s.release("missing"); // no-op
  s.release("c");
  s.release("c"); // twice is harmless: the block is not handed out twice
  const d = s.assign("d", 4);
  const e = s.assign("e", 4);
  assert.ok(!overlaps(d, e), "one freed block is not given to two owners");
});

Deno.test("SlotAllocator never gives overlapping blocks under churn", () => {
  const s = new SlotAllocator();
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 2000; i++) {
    const owner = `o${rnd(40)}`;
    if (rnd(4) === 0) s.release(owner);
    else s.assign(owner, 1 + rnd(20));
  }
  const blocks = Array.from({ length: 40 }, (_, i) => s.get(`o${i}`)).filter((b) =>
    b !== undefined
  );
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      assert.ok(!overlaps(blocks[i], blocks[j]), `blocks ${i} and ${j} overlap`);
    }
  }
});
