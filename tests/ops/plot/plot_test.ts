import assert from "node:assert/strict";
import { colorAt, heatmapSvg, plotSvg } from "../../../ops/plot/mod.ts";
import { tensor } from "../../../ops/tensor.ts";

const count = (s: string, sub: string): number => s.split(sub).length - 1;

Deno.test("plotSvg: lines, points, escaped text, log axes leave out non-positive values", () => {
  const svg = plotSvg({
    title: 'a < b & "c"',
    xLabel: "x",
    yLabel: "y",
    logY: true,
    series: [
      { name: "line", x: [1, 2, 3], y: [1, 10, 100] },
      { name: "pts", x: [1, 2, 3], y: [5, 0, -1], mode: "points" },
      { name: "both", x: [1, 2], y: [2, 3], mode: "both" },
    ],
  });
  assert.ok(svg.includes("a &lt; b &amp; &quot;c&quot;"));
  assert.equal(count(svg, "<path"), 2, "line and both draw a path");
  assert.equal(count(svg, "<circle"), 1 + 2, "one positive point of pts, two of both");
  assert.ok(svg.includes(">1e0<") && svg.includes(">1e2<"), "decade ticks");
});

Deno.test("heatmapSvg: one cell per entry, min and max colours, NaN grey, colour bar labels", () => {
  const svg = heatmapSvg(tensor([[0, 1, 2], [3, NaN, 6]]), { title: "m" });
  assert.equal(count(svg, "<title>"), 6);
  assert.ok(svg.includes(`fill="${colorAt(0)}"><title>[0, 0] 0</title>`));
  assert.ok(svg.includes(`fill="${colorAt(1)}"><title>[1, 2] 6</title>`));
  assert.ok(svg.includes(`fill="${colorAt(0.5)}"><title>[1, 0] 3</title>`));
  assert.ok(svg.includes(`fill="#bbb"><title>[1, 1] NaN</title>`));
  assert.ok(svg.includes(">6</text>") && svg.includes(">0</text>"), "bar labelled max and min");
  // Explicit range: values outside are clamped to the end colours.
  const clamped = heatmapSvg([[-5, 5]], { min: 0, max: 1 });
  assert.ok(clamped.includes(`fill="${colorAt(0)}"><title>[0, 0] -5`));
  assert.ok(clamped.includes(`fill="${colorAt(1)}"><title>[0, 1] 5`));
  assert.throws(() => heatmapSvg([[1, 2], [3]]), /rows must all have the same length/);
  assert.throws(() => heatmapSvg(tensor([1, 2])), /matrix must be 2-D/);
  assert.throws(() => heatmapSvg([[1]], { min: 2, max: 1 }), /min 2 must not exceed max 1/);
});

Deno.test("colorAt runs from dark purple to yellow through the viridis anchors", () => {
  assert.equal(colorAt(0), "rgb(68,1,84)");
  assert.equal(colorAt(0.5), "rgb(33,145,140)");
  assert.equal(colorAt(1), "rgb(253,231,37)");
  assert.equal(colorAt(-1), colorAt(0));
  assert.equal(colorAt(0.125), "rgb(64,42,112)");
});

Deno.test("plotSvg and heatmapSvg reject bad specs at run time, naming the key", () => {
  const ok = { title: "t", xLabel: "x", yLabel: "y", series: [{ name: "a", x: [1], y: [2] }] };
  // deno-lint-ignore no-explicit-any
  const bad = (spec: any): void => void plotSvg(spec);
  assert.throws(() => bad({ ...ok, xLabel: undefined }), /plotSvg: spec.xLabel is required/);
  assert.throws(() => bad({ ...ok, titel: "t" }), /plotSvg: unknown option "titel"/);
  assert.throws(() => bad({ ...ok, logY: "yes" }), /plotSvg: .*logY/);
  assert.throws(() => bad({ ...ok, width: 0 }), /spec.width must be a positive number, got 0/);
  assert.throws(
    () => bad({ ...ok, series: [{ name: "a", x: [1, 2], y: [2] }] }),
    /series\[0\] \("a"\) has 2 x but 1 y values/,
  );
  assert.throws(
    () => bad({ ...ok, series: [{ name: "a", x: [1], y: [2], mode: "dots" }] }),
    /series\[0\].*mode/,
  );
  assert.ok(plotSvg(ok).startsWith("<svg"));
  // deno-lint-ignore no-explicit-any
  assert.throws(() => heatmapSvg([[1]], { mn: 0 } as any), /heatmapSvg: unknown option "mn"/);
});
