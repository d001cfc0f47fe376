import assert from "node:assert/strict";
import {
  checkFold,
  FOLDS,
  loadFold,
  loadSplit,
  STATIC_DIST,
} from "../../../methods/trajectory/folds.ts";

async function tinyRoot(): Promise<string> {
  const root = await Deno.makeTempDir();
  const rows = (x0: number): string => {
    let s = "";
    for (let f = 0; f < 20; f++) s += `${10 * f}\t1\t${x0 + f}\t0\n${10 * f}\t2\t${x0 + f}\t1\n`;
    return s;
  };
  for (const split of ["train", "val", "test"]) {
    await Deno.mkdir(`${root}/zara2/${split}`, { recursive: true });
    // Two files whose names sort differently from their creation order.
    await Deno.writeTextFile(`${root}/zara2/${split}/b.txt`, rows(100));
    await Deno.writeTextFile(`${root}/zara2/${split}/a.txt`, rows(0));
  }
  return root;
}

Deno.test("loadSplit windows each file separately, in file-name order", async () => {
  const root = await tinyRoot();
  try {
    const s = await loadSplit(root, "zara2", "test");
    assert.deepEqual(
      Array.from(s.sceneStart),
      [0, 2, 4],
      "one window per file, never spanning both",
    );
    assert.equal(s.positions[0], 0, "a.txt first");
    assert.equal(s.positions[2 * 40], 100, "then b.txt");
    const f = await loadFold(root, "zara2");
    assert.equal(f.fold, "zara2");
    assert.equal(f.train.count + f.val.count + f.test.count, 12);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fold names, static_dist table and errors", async () => {
  assert.deepEqual([...FOLDS], ["eth", "hotel", "univ", "zara1", "zara2"]);
  assert.deepEqual(FOLDS.map((f) => STATIC_DIST[f]), [0.419, 0.353, 0.227, 0.338, 0.35]);
  assert.throws(() => checkFold("zara3"), /checkFold: unknown fold "zara3"/);
  await assert.rejects(() => loadSplit("/nonexistent", "eth", "test"), Deno.errors.NotFound);
  await assert.rejects(() => loadSplit("/tmp", "eth", "dev" as "test"), /split must be/);
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/eth/test`, { recursive: true });
    await assert.rejects(() => loadSplit(root, "eth", "test"), /no \.txt files/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
