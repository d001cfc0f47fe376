/** The GaLore step's scratch: stable tensors per role and shape, roles never share memory. */
import assert from "node:assert/strict";
import { eye, randn, tensor } from "../../../ops/mod.ts";
import { Workspace } from "../../../methods/optim/workspace.ts";
import {
  project,
  projectBack,
  projectBackInto,
  projectInto,
  type ProjectionOut,
  svdProjector,
} from "../../../methods/optim/mod.ts";

const overlaps = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength &&
  b.byteOffset < a.byteOffset + a.byteLength;

Deno.test("Workspace: same role, dtype and shape give the same tensor; roles and dtypes never overlap", () => {
  const ws = new Workspace();
  const a = ws.get("r", "f32", [8, 4]);
  assert.equal(ws.get("r", "f32", [8, 4]), a);
  assert.deepEqual(a.shape, [8, 4]);
  assert.equal(a.dtype, "f32");
  const b = ws.get("u", "f32", [8, 4]), c = ws.get("r", "f64", [8, 4]);
  assert.ok(!overlaps(a.data, b.data) && !overlaps(a.data, c.data));
  // A smaller shape of the same role reuses the buffer; a larger one grows it.
  assert.equal(ws.get("r", "f32", [2, 3]).data.buffer, a.data.buffer);
  const big = ws.get("r", "f32", [16, 16]);
  assert.equal(big.size, 256);
  assert.notEqual(big.data.buffer, a.data.buffer);
  assert.equal(ws.get("r", "f32", [8, 4]).data.buffer, big.data.buffer);
});

Deno.test("projectInto / projectBackInto write into the given tensors and equal project / projectBack", () => {
  const ws = new Workspace();
  const out: ProjectionOut = (role, dtype, shape) => ws.get(role, dtype, shape);
  for (const [shape, side] of [[[9, 5], "right"], [[5, 9], "left"], [[7, 6], "both"]] as const) {
    for (const dtype of ["f32", "f64"] as const) {
      const g = randn([...shape], { seed: 1, dtype });
      const p = svdProjector(g, 3, side, "svd");
      const r = projectInto(p, g, out);
      assert.deepEqual(Array.from(r.data), Array.from(project(p, g).data), `${side} ${dtype}`);
      assert.equal(r, ws.get("r", dtype, r.shape as [number, number]));
      const n = r.clone();
      const back = projectBackInto(p, n, out);
      assert.deepEqual(Array.from(back.data), Array.from(projectBack(p, n).data));
      assert.equal(back, ws.get("back", dtype, [shape[0], shape[1]]));
    }
  }
  // No side: R is G itself, as project() returns it.
  const g = tensor([[1, 2]]);
  assert.equal(projectInto({ side: "right", left: null, right: null }, g, out), g);
  assert.equal(projectInto({ side: "right", left: null, right: eye(2) }, g, out).data[1], 2);
});
