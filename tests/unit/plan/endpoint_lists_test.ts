import assert from "node:assert/strict";
import { EndpointLists, listElementKey } from "../../../src/plan/endpoint_lists.ts";
import { SHORTCUT_OFFSET } from "../../../src/plan/names.ts";

const M = "endpoints-tcp";
const KEY = "192.0.2.1 . 80";

function lists() {
  const changes: string[] = [];
  const l = new EndpointLists((map, key, before, after) =>
    changes.push(`${map}|${key}|${before ?? "-"}>${after ?? "-"}`)
  );
  return { l, changes };
}

Deno.test("listElementKey() appends the index to the entry point's key", () => {
  assert.equal(listElementKey(KEY, 0), "192.0.2.1 . 80 . 0");
  assert.equal(listElementKey("30080", SHORTCUT_OFFSET + 1), `30080 . ${SHORTCUT_OFFSET + 1}`);
});

Deno.test("EndpointLists reports only the indices whose value changes", () => {
  const { l, changes } = lists();
  l.set(M, KEY, 0, ["a . 1", "b . 1"], "default/web");
  l.set(M, KEY, 0, ["a . 1", "c . 1", "d . 1"], "default/web");
  l.set(M, KEY, 0, ["a . 1"], "default/web");
  assert.deepEqual(changes, [
    `${M}|${KEY} . 0|->a . 1`,
    `${M}|${KEY} . 1|->b . 1`,
    `${M}|${KEY} . 1|b . 1>c . 1`,
    `${M}|${KEY} . 2|->d . 1`,
    `${M}|${KEY} . 1|c . 1>-`,
    `${M}|${KEY} . 2|d . 1>-`,
  ]);
  assert.deepEqual(l.get(M, KEY, 0), ["a . 1"]);
});

Deno.test("EndpointLists keeps local and short-circuit lists of one entry point apart by base", () => {
  const { l } = lists();
  l.set(M, KEY, 0, ["a . 1"], "default/web");
  l.set(M, KEY, SHORTCUT_OFFSET, ["a . 1", "b . 1"], "default/web");
  assert.equal(l.element(M, `${KEY} . 0`), "a . 1");
  assert.equal(l.element(M, `${KEY} . 1`), undefined, "index 1 of the base-0 list does not exist");
  assert.equal(l.element(M, `${KEY} . ${SHORTCUT_OFFSET + 1}`), "b . 1");
  assert.deepEqual([...l.entries(M)].sort(), [
    [`${KEY} . 0`, "a . 1"],
    [`${KEY} . ${SHORTCUT_OFFSET}`, "a . 1"],
    [`${KEY} . ${SHORTCUT_OFFSET + 1}`, "b . 1"],
  ]);
  l.remove(M, KEY, SHORTCUT_OFFSET, "default/web");
  assert.deepEqual([...l.entries(M)], [[`${KEY} . 0`, "a . 1"]]);
  assert.deepEqual([...l.entries("endpoints-udp")], [], "another map is empty");
});

Deno.test("EndpointLists keeps the first owner's list; the next one takes over when it leaves", () => {
  const { l, changes } = lists();
  assert.equal(l.set(M, KEY, 0, ["a . 1"], "default/a"), false);
  assert.equal(l.set(M, KEY, 0, ["b . 1", "c . 1"], "default/b"), true, "claimed already");
  assert.deepEqual(l.get(M, KEY, 0), ["a . 1"]);
  assert.equal(changes.length, 1, "the loser changes nothing");
  l.remove(M, KEY, 0, "default/a");
  assert.deepEqual(l.get(M, KEY, 0), ["b . 1", "c . 1"], "b takes over");
  assert.deepEqual(changes.slice(1), [
    `${M}|${KEY} . 0|a . 1>b . 1`,
    `${M}|${KEY} . 1|->c . 1`,
  ]);
  // A loser that leaves changes nothing; the last owner's removal empties the entry point.
  l.set(M, KEY, 0, ["d . 1"], "default/d");
  l.remove(M, KEY, 0, "default/d");
  assert.deepEqual(l.get(M, KEY, 0), ["b . 1", "c . 1"]);
  l.remove(M, KEY, 0, "default/b");
  assert.equal(l.get(M, KEY, 0), undefined);
  assert.deepEqual([...l.entries(M)], []);
  l.remove(M, KEY, 0, "default/b");
  l.remove("nothing", KEY, 0, "default/b");
  assert.equal(changes.length, 5);
});
