// LoRA3D robust calibration and pseudo-labels (spec compression_optim_attention.md §9, property 5).
import assert from "node:assert/strict";
import { calibrateAlignment, pseudoLabels } from "../../../methods/geometry/calibrate.ts";
import { alignmentPoses, evaluateAlignment } from "../../../methods/geometry/metrics.ts";
import { invertSimilarity } from "../../../methods/geometry/similarity.ts";
import { sceneRays } from "../../../methods/geometry/synthetic_scene.ts";
import { noisyPredictions } from "./helpers.ts";

const fixture = noisyPredictions(11, { noise: 0.01, outlierRate: 0.2, scrambled: true });
const rays = sceneRays(fixture.scene);
const cal = calibrateAlignment(fixture.preds, { rays, sweeps: 30 });

Deno.test("calibration: outliers get w ≪ inliers' and the alignment errors drop far below plain", () => {
  let wo = 0, no = 0, wi = 0, ni = 0;
  cal.weights.forEach((pw, e) =>
    pw.forEach((w, k) =>
      w.forEach((x, i) => {
        if (fixture.outlier[e][k][i]) wo += x, no++;
        else wi += x, ni++;
      })
    )
  );
  assert.ok(wo / no < 0.05 && wi / ni > 0.5, `outliers ${wo / no}, inliers ${wi / ni}`);
  const ev = (al: typeof cal.plain) =>
    evaluateAlignment(alignmentPoses(fixture.preds, al), al.pointMaps, fixture.scene);
  const plain = ev(cal.plain), robust = ev(cal.alignment);
  for (const k of ["rotErrDeg", "transErr", "reconErr"] as const) {
    assert.ok(robust[k] < plain[k] / 5, `${k}: calibrated ${robust[k]} vs plain ${plain[k]}`);
  }
  // μ defaults to the median of C r² at the first update; the robust objective decreases
  assert.equal(cal.objective.length, 5);
  for (let k = 1; k < 5; k++) assert.ok(cal.objective[k] <= cal.objective[k - 1] * (1 + 1e-9));
});

Deno.test("property 5: Ĉ ≤ C, and every pseudo-label mask is a subset of {Ĉ > τ}", () => {
  for (const tau of [undefined, 0.5, 1.7] as const) {
    const pl = pseudoLabels(cal, tau === undefined ? {} : { tau });
    pl.forEach((p, e) => {
      for (const k of [0, 1] as const) {
        const c = fixture.preds[e].confidence[k].data, chat = cal.calibrated[e][k];
        chat.forEach((x, i) => {
          assert.ok(x <= c[i], `Ĉ ${x} > C ${c[i]}`);
          assert.ok(Math.abs(x - cal.weights[e][k][i] * c[i]) <= 1e-15 * c[i]);
          if (p.mask[k][i]) assert.ok(x > p.tau[k], `pair ${e}: kept Ĉ ${x} <= τ ${p.tau[k]}`);
        });
        if (tau !== undefined) assert.equal(p.tau[k], tau);
      }
    });
  }
});

Deno.test("pseudo-labels: τ = median keeps about half; labels are T_e⁻¹ χ in the pair frame", () => {
  const pl = pseudoLabels(cal);
  pl.forEach((p, e) => {
    for (const k of [0, 1] as const) {
      const kept = p.mask[k].reduce((s, m) => s + m, 0);
      assert.ok(kept >= 19 && kept <= 20, `kept ${kept} of 40`); // strict > median
      const v = fixture.preds[e].views[k];
      const want = invertSimilarity(cal.alignment.transforms[e], cal.alignment.pointMaps[v]);
      want.forEach((x, i) => assert.ok(Math.abs(x - p.labels[k][i]) < 1e-12));
    }
  });
  // a larger τ keeps fewer
  const strict = pseudoLabels(cal, { tau: 2.5 });
  const count = (x: typeof pl) => x.reduce((s, p) => s + p.mask[0].reduce((a, b) => a + b, 0), 0);
  assert.ok(count(strict) < count(pl));
});

Deno.test("calibrateAlignment options: mu, alternations, exponent; bad input", () => {
  const { preds } = noisyPredictions(12, { views: 3, pixels: 20, noise: 0.02, outlierRate: 0.1 });
  const a = calibrateAlignment(preds, { alternations: 2, sweeps: 5 });
  assert.equal(a.objective.length, 2);
  const b = calibrateAlignment(preds, { alternations: 2, sweeps: 5, mu: a.mu * 10 });
  assert.equal(b.mu, a.mu * 10);
  assert.ok(b.weights[0][0][0] > a.weights[0][0][0] || b.weights[0][0][0] === 1);
  const c = calibrateAlignment(preds, { alternations: 1, sweeps: 5, exponent: 1 });
  assert.notEqual(c.mu, a.mu); // terms C r instead of C r²
  assert.throws(() => calibrateAlignment(preds, { mu: -1 }), /mu must be > 0, got -1/);
  assert.throws(
    () => calibrateAlignment(preds, { alternations: 0 }),
    /alternations must be a positive integer/,
  );
  assert.throws(() => calibrateAlignment(preds, { tau: 1 } as never), /unknown option "tau"/);
  assert.throws(
    () => pseudoLabels(a, { tau: "mean" as never }),
    /tau must be a number or "median"/,
  );
});
