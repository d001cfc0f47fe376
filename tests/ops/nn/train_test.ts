import assert from "node:assert/strict";
import { tensor } from "../../../ops/mod.ts";
import * as ad from "../../../ops/autograd/ops.ts";
import { train } from "../../../ops/nn/mod.ts";
import { sgd } from "../../../ops/optim/mod.ts";

Deno.test("train takes the optimizer's steps, clips, stops early and resumes", () => {
  const params = { w: tensor([4, -2]) };
  const seen: number[] = [];
  const r = train({
    params,
    loss: (p) => ad.sum(ad.square(p.w)),
    optimizer: sgd({ lr: 0.1 }),
    steps: 10,
    clipNorm: 1,
    progress: false,
    onStep: (s) => {
      seen.push(s.gradNorm!);
      return s.step < 2; // stop after the third step
    },
  });
  assert.equal(r.losses.length, 3);
  assert.equal(r.state.step, 3);
  assert.equal(r.losses[0], 20);
  assert.ok(Math.abs(seen[0] - 2 * Math.sqrt(20)) < 1e-12);
  // clipped to norm 1: w moves by 0.1 along -w/|w| each step while |grad| > 1
  const n0 = Math.sqrt(20), step = 0.1 * (1 / (2 * n0 + 1e-6)) * 2;
  assert.ok(Math.abs(r.losses[1] - 20 * (1 - step) ** 2) < 1e-9);
  const more = train({
    params,
    loss: (p) => ad.sum(ad.square(p.w)),
    optimizer: sgd({ lr: 0.1 }),
    steps: 2,
    state: r.state,
    progress: false,
  });
  assert.equal(more.state.step, 5);
  assert.ok(more.stepsPerSec > 0);
});

Deno.test("train refuses a non-finite loss and bad step counts", () => {
  const params = { w: tensor([1]) };
  assert.throws(
    () =>
      train({
        params,
        loss: (p) => ad.log(ad.sub(p.w, 1)),
        optimizer: sgd({ lr: 0.1 }),
        steps: 3,
        progress: false,
      }),
    /loss is -Infinity at step 0/,
  );
  assert.throws(
    () => train({ params, loss: (p) => ad.sum(p.w), optimizer: sgd({ lr: 1 }), steps: -1 }),
    /steps must be/,
  );
});

Deno.test("the progress line goes to stderr when asked, and stays quiet on a pipe by default", async () => {
  const mod = new URL("../../../ops/", import.meta.url).href;
  const script = `
    import { tensor } from "${mod}tensor.ts";
    import { sum, square } from "${mod}autograd/ops.ts";
    import { sgd } from "${mod}optim/sgd.ts";
    import { train } from "${mod}nn/train.ts";
    const run = (progress) => train({ params: { w: tensor([1]) }, loss: (p) => sum(square(p.w)),
      optimizer: sgd({ lr: 0.1 }), steps: 3, progress, label: "fit" });
    run(true);
    console.error("|marker|");
    run("auto");
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, err);
  const [shown, quiet] = err.split("|marker|");
  assert.match(shown, /\rfit step 3\/3 {2}loss \S+ {2}[\d.]+ steps\/s\n/);
  assert.equal(quiet.trim(), "");
});
