import assert from "node:assert/strict";
import fc from "fast-check";
import { IntTensor } from "../../../ops/io/int_tensor.ts";
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from "../../../ops/io/safetensors.ts";
import { decodeBF16, decodeF16, encodeBF16, encodeF16 } from "../../../ops/io/half.ts";
import { randn } from "../../../ops/random.ts";
import { Tensor, tensor } from "../../../ops/tensor.ts";
import { sharedData } from "./shared_data.ts";

const DATA = new URL("../../../../shared/data/peft/", import.meta.url);

const { missing: NO_DATA } = sharedData("peft/");

/** A shared data file; a missing file (with the folder present) is a failure, not a skip. */
function dataFile(name: string): Uint8Array {
  return Deno.readFileSync(new URL(name, DATA));
}

/** Builds a file from a header object and a data region (independent of our writer). */
function rawFile(header: unknown, data: Uint8Array, declaredLen?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLen ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectReject(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => readSafetensors(bytes, { name: "bad.safetensors" }), (e: Error) => {
    assert.ok(e instanceof RangeError, `expected RangeError, got ${e}`);
    assert.match(e.message, /^readSafetensors: bad\.safetensors: /);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("round trip keeps f64/f32 exactly, ints exactly, metadata, shapes and order", () => {
  const a = randn([3, 5], { seed: 1 });
  const b = randn([7], { seed: 2, dtype: "f32" });
  const s = tensor(2.5); // a scalar (shape [])
  const empty = new Tensor(new Float32Array(0), [0, 4]);
  const ids = new IntTensor(new BigInt64Array([-(2n ** 62n), 0n, 2n ** 63n - 1n]), [3]);
  const i32 = new IntTensor(new Int32Array([-7, 2 ** 31 - 1]), [2, 1]);
  const meta = { format: "pt", note: "ünïcode ✓" };
  const bytes = writeSafetensors(
    new Map<string, Tensor | IntTensor>([
      ["b", b],
      ["a", a],
      ["s", s],
      ["empty", empty],
      ["ids", ids],
      ["i32", i32],
    ]),
    meta,
  );
  const back = readSafetensors(bytes);
  assert.deepEqual(back.metadata, meta);
  assert.deepEqual(back.tensors.get("a")!.data, a.data);
  assert.deepEqual(back.tensors.get("b")!.data, b.data);
  assert.equal(back.tensors.get("b")!.dtype, "f32");
  assert.deepEqual(back.tensors.get("s")!.shape, []);
  assert.equal(back.tensors.get("s")!.data[0], 2.5);
  assert.deepEqual(back.tensors.get("empty")!.shape, [0, 4]);
  assert.deepEqual(back.ints.get("ids")!.data, ids.data);
  assert.deepEqual(back.ints.get("i32")!.data, i32.data);
  assert.deepEqual(back.ints.get("i32")!.shape, [2, 1]);
  assert.deepEqual(
    Object.fromEntries(back.dtypes),
    { a: "F64", s: "F64", ids: "I64", b: "F32", empty: "F32", i32: "I32" },
  );
  // Header padded to 8 bytes; every tensor aligned to its element size in the file.
  const h = readSafetensorsHeader(bytes);
  assert.equal(h.dataStart % 8, 0);
  const width: Record<string, number> = { F64: 8, I64: 8, F32: 4, I32: 4 };
  for (const e of h.entries) assert.equal((h.dataStart + e.begin) % width[e.dtype], 0, e.name);
});

Deno.test("F16/BF16 storage rounds to nearest even and reads back as f32", () => {
  const x = randn([4, 6], { seed: 3 });
  for (
    const [dtype, enc, dec] of [["F16", encodeF16, decodeF16], [
      "BF16",
      encodeBF16,
      decodeBF16,
    ]] as const
  ) {
    const back = readSafetensors(writeSafetensors({ x }, {}, { dtype })).tensors.get("x")!;
    assert.equal(back.dtype, "f32");
    for (let i = 0; i < x.size; i++) assert.equal(back.data[i], Math.fround(dec(enc(x.data[i]))));
    // Relative rounding error bounded by half an ulp of the format (u = 2^-11 and 2^-8).
    const u = dtype === "F16" ? 2 ** -11 : 2 ** -8;
    for (let i = 0; i < x.size; i++) {
      assert.ok(Math.abs(back.data[i] - x.data[i]) <= u * Math.abs(x.data[i]) * (1 + 1e-12));
    }
    // Quantized values survive a second write/read unchanged.
    const again = readSafetensors(writeSafetensors({ x: back }, {}, { dtype })).tensors.get("x")!;
    assert.deepEqual(again.data, back.data);
  }
});

Deno.test("per-tensor storage types and bad writer arguments", () => {
  const t = tensor([1, 2]);
  const bytes = writeSafetensors({ p: t, q: t }, {}, { dtype: { q: "BF16" } });
  const back = readSafetensors(bytes);
  assert.equal(back.dtypes.get("p"), "F64");
  assert.equal(back.dtypes.get("q"), "BF16");
  assert.throws(() => writeSafetensors({ __metadata__: t }), /invalid tensor name/);
  assert.throws(() => writeSafetensors({ p: [1, 2] as unknown as Tensor }), TypeError);
  assert.throws(() => writeSafetensors({ p: t }, { k: 3 as unknown as string }), /metadata "k"/);
  assert.throws(() => writeSafetensors({ p: t }, {}, { dtype: "I32" as "F32" }), /invalid float/);
});

/** The f64 value halfway between a format's largest finite value and 2^(emax+1): rounds up. */
function overflowThreshold(manBits: number, emax: number): number {
  return (2 - 2 ** -(manBits + 1)) * 2 ** emax;
}

Deno.test("writer: a finite value beyond the storage range is an error naming tensor and value", () => {
  const formats = [["F32", 23, 127], ["F16", 10, 15], ["BF16", 7, 127]] as const;
  for (const [dtype, manBits, emax] of formats) {
    const top = overflowThreshold(manBits, emax);
    const largest = (2 - 2 ** -manBits) * 2 ** emax;
    // Just below the threshold rounds down to the largest finite value: stored, not an error.
    const below = top - 2 ** (emax - manBits - 3);
    const ok = readSafetensors(writeSafetensors({ w: tensor([below, -below]) }, {}, { dtype }));
    assert.deepEqual(Array.from(ok.tensors.get("w")!.data), [largest, -largest], dtype);
    for (const x of [top, -top, 1e300]) {
      assert.throws(
        () => writeSafetensors({ fine: tensor([1]), "layer.w": tensor([0, x]) }, {}, { dtype }),
        (e: Error) => {
          assert.ok(e instanceof RangeError, `${dtype}: ${e}`);
          assert.match(e.message, /^writeSafetensors: "layer\.w" element 1 is /);
          assert.ok(e.message.includes(`is ${x},`), e.message);
          assert.ok(e.message.includes(`beyond the ${dtype} range`), e.message);
          assert.ok(e.message.includes(`stored as ${x < 0 ? "-" : ""}Infinity`), e.message);
          return true;
        },
      );
    }
  }
  // An f32 tensor fits F32 but can still overflow BF16 (3.4e38 > 3.396e38) and F16.
  const big = tensor([3.4e38], { dtype: "f32" });
  assert.equal(readSafetensors(writeSafetensors({ big })).tensors.get("big")!.data[0], big.data[0]);
  assert.throws(() => writeSafetensors({ big }, {}, { dtype: "BF16" }), /"big" element 0/);
  assert.throws(() => writeSafetensors({ big }, {}, { dtype: { big: "F16" } }), /F16 range/);
});

Deno.test("writer: infinities and NaN in the input pass through every storage type", () => {
  const x = tensor([Infinity, -Infinity, NaN, 1]);
  for (const dtype of ["F64", "F32", "F16", "BF16"] as const) {
    const back = readSafetensors(writeSafetensors({ x }, {}, { dtype })).tensors.get("x")!;
    assert.deepEqual(Array.from(back.data), [Infinity, -Infinity, NaN, 1], dtype);
  }
});

Deno.test("writer: a dtype record may name only the float tensors being written", () => {
  const t = tensor([1, 2]), ids = new IntTensor(new Int32Array([3]), [1]);
  assert.throws(
    () => writeSafetensors({ p: t }, {}, { dtype: { p: "F32", q: "BF16", "r.w": "F16" } }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === 'writeSafetensors: dtype names tensors that are not written: "q", "r.w"',
  );
  assert.throws(
    () => writeSafetensors({ p: t, ids }, {}, { dtype: { ids: "F32" } }),
    /dtype names integer tensors \(float storage is for float tensors\): "ids"/,
  );
  assert.throws(
    () => writeSafetensors({ p: t }, {}, { dtype: 5 as unknown as "F32" }),
    (e: Error) =>
      e instanceof TypeError && /dtype must be a storage type or a record/.test(e.message),
  );
  // A bad storage name is caught even when no float tensor would use it.
  assert.throws(() => writeSafetensors({ ids }, {}, { dtype: "F8" as "F32" }), /invalid float/);
  // One type for all still applies to float tensors only; integers keep their own type.
  const back = readSafetensors(writeSafetensors({ p: t, ids }, {}, { dtype: "F16" }));
  assert.deepEqual([back.dtypes.get("p"), back.dtypes.get("ids")], ["F16", "I32"]);
});

Deno.test("real PEFT/transformers files: independent decode, and byte-identical rewrite", {
  ignore: NO_DATA,
}, () => {
  for (
    const name of [
      "base_model.safetensors",
      "lora_adapter_model.safetensors",
      "lora_merged.safetensors",
    ]
  ) {
    const bytes = dataFile(name);
    const f = readSafetensors(bytes, { name });
    // Independent decode of every tensor straight from the header with a DataView.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    assert.deepEqual([...f.tensors.keys()].sort(), names.sort());
    for (const k of names) {
      const { shape, data_offsets: [b0, b1] } = header[k];
      const t = f.tensors.get(k)!;
      assert.deepEqual(t.shape, shape);
      assert.equal(t.size * 4, b1 - b0);
      for (let i = 0; i < t.size; i++) {
        assert.equal(t.data[i], view.getFloat32(8 + n + b0 + 4 * i, true));
      }
    }
    assert.deepEqual(f.metadata, header.__metadata__ ?? {});
    // Our writer produces the same compact JSON, padding and layout as the reference writer.
    assert.deepEqual(writeSafetensors(f.tensors, f.metadata), bytes, `${name} rewrite differs`);
  }
});

const GOOD = writeSafetensors(
  { a: tensor([[1, 2], [3, 4]], { dtype: "f32" }), b: tensor([5, 6, 7], { dtype: "f32" }) },
  { format: "pt" },
);

Deno.test("malformed files are rejected with a clear error naming the tensor/position", () => {
  const data = new Uint8Array(16);
  const entry = (dtype: string, shape: number[], off: number[]): unknown => ({
    dtype,
    shape,
    data_offsets: off,
  });
  expectReject(new Uint8Array(5), /shorter than the 8-byte length/);
  expectReject(rawFile({}, data, 2 ** 40), /header length 1099511627776 .* exceeds the cap/);
  expectReject(rawFile({}, new Uint8Array(0), 2 ** 60), /exceeds the cap/);
  expectReject(rawFile({ x: entry("F32", [4], [0, 16]) }, data, 10_000), /runs past the end/);
  expectReject(
    rawFile({ x: entry("F32", [4], [0, 16]) }, data).subarray(0, 30),
    /runs past the end|not valid/,
  );
  const bad = new TextEncoder().encode('{"x": {"dtype": "F32",');
  const badFile = new Uint8Array(8 + bad.length);
  new DataView(badFile.buffer).setUint32(0, bad.length, true);
  badFile.set(bad, 8);
  expectReject(badFile, /not valid JSON/);
  expectReject(rawFile([1, 2], new Uint8Array(0)), /must be an object/);
  expectReject(
    rawFile({ x: entry("F32", [2], [0, 8]), y: entry("F32", [3], [4, 16]) }, data),
    /tensor "y".*overlap tensor "x"/,
  );
  expectReject(
    rawFile({ x: entry("F32", [4], [8, 24]) }, data),
    /tensor "x".*outside the 16-byte data region/,
  );
  expectReject(
    rawFile({ x: entry("F32", [3], [0, 16]) }, data),
    /tensor "x": shape 3 of F32 needs 12 bytes/,
  );
  expectReject(
    rawFile({ x: entry("F32", [2 ** 40, 2 ** 40], [0, 16]) }, data),
    /tensor "x": shape/,
  );
  expectReject(rawFile({ x: entry("F32", [2], [8, 16]) }, data), /gap of 8 bytes at file byte/);
  expectReject(
    rawFile({ x: entry("F32", [2], [0, 8]) }, data),
    /8 bytes at file byte .* belong to none/,
  );
  expectReject(rawFile({ x: entry("Q7", [4], [0, 16]) }, data), /tensor "x": unknown dtype "Q7"/);
  expectReject(rawFile({ x: entry("U8", [16], [0, 16]) }, data), /dtype U8 is not supported/);
  expectReject(rawFile({ x: entry("F32", [-4], [0, 16]) }, data), /shape \[-4\]/);
  expectReject(rawFile({ x: entry("F32", [4], [0, 16, 3]) }, data), /data_offsets/);
  expectReject(
    rawFile({ x: { ...entry("F32", [4], [0, 16]) as object, z: 1 } }, data),
    /unexpected field "z"/,
  );
  expectReject(
    rawFile({ __metadata__: { a: 1 }, x: entry("F32", [4], [0, 16]) }, data),
    /__metadata__ value of "a"/,
  );
  // Not UTF-8.
  const notUtf = rawFile({ x: entry("F32", [4], [0, 16]) }, data);
  notUtf[9] = 0xff;
  expectReject(notUtf, /not valid UTF-8/);
  // Every truncation of a valid file is rejected (never a partial read).
  for (let len = 0; len < GOOD.length; len++) {
    assert.throws(() => readSafetensors(GOOD.subarray(0, len)), RangeError, `length ${len}`);
  }
});

/** Reference validator written independently of the reader, for the property test below. */
function validByOracle(
  entries: { dtype: string; shape: number[]; off: [number, number] }[],
  dataLen: number,
): boolean {
  const size: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };
  const spans: [number, number][] = [];
  for (const e of entries) {
    if (!(e.dtype in size)) return false;
    const [b, en] = e.off;
    if (b > en || en > dataLen) return false;
    if (e.shape.reduce((p, d) => p * d, 1) * size[e.dtype] !== en - b) return false;
    spans.push([b, en]);
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let pos = 0;
  for (const [b, en] of spans) {
    if (b !== pos) return false;
    pos = en;
  }
  return pos === dataLen;
}

type HeaderCase = {
  entries: { dtype: string; shape: number[]; off: [number, number] }[];
  dataLen: number;
};

/**
 * Valid layouts (entries packed back to back, listed in or against file order), then with
 * probability ~1/2 one offset or the data length nudged by a few bytes. Purely random headers
 * are almost never valid, so without these the acceptance side would go untested.
 */
const packedArb: fc.Arbitrary<HeaderCase> = fc.record({
  parts: fc.array(
    fc.record({
      dtype: fc.constantFrom("F32", "F16", "BF16", "F64", "I32", "I64"),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  reversed: fc.boolean(),
  nudge: fc.option(
    fc.record({
      which: fc.nat(4),
      field: fc.constantFrom(0, 1, 2),
      delta: fc.integer({ min: -3, max: 3 }),
    }),
    { nil: undefined },
  ),
}).map(({ parts, reversed, nudge }) => {
  const size: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };
  let pos = 0;
  const laid = parts.map((p) => {
    const n = p.shape.reduce((a, d) => a * d, 1) * size[p.dtype];
    const off: [number, number] = [pos, pos + n];
    pos += n;
    return { ...p, off };
  });
  const entries = reversed ? laid.reverse() : laid;
  let dataLen = pos;
  if (nudge) {
    if (nudge.field === 2) dataLen = Math.max(0, dataLen + nudge.delta);
    else {
      const e = entries[nudge.which % entries.length];
      e.off[nudge.field] = Math.max(0, e.off[nudge.field] + nudge.delta);
    }
  }
  return { entries, dataLen };
});

Deno.test("property: random headers are accepted exactly when an independent validator says so", () => {
  const entryArb = fc.record({
    dtype: fc.constantFrom("F32", "F16", "BF16", "F64", "I32", "I64", "U8", "X"),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    off: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })),
  });
  const randomArb: fc.Arbitrary<HeaderCase> = fc.record({
    entries: fc.array(entryArb, { maxLength: 4 }),
    dataLen: fc.integer({ min: 0, max: 48 }),
  });
  let accepted = 0, rejected = 0;
  fc.assert(
    fc.property(fc.oneof(randomArb, packedArb), ({ entries, dataLen }) => {
      const header: Record<string, unknown> = {};
      entries.forEach((
        e,
        i,
      ) => (header[`t${i}`] = { dtype: e.dtype, shape: e.shape, data_offsets: e.off }));
      const bytes = rawFile(header, new Uint8Array(dataLen));
      if (validByOracle(entries, dataLen)) {
        accepted++;
        const f = readSafetensors(bytes);
        assert.equal(f.tensors.size + f.ints.size, entries.length);
        entries.forEach((e, i) => {
          const t = f.tensors.get(`t${i}`) ?? f.ints.get(`t${i}`);
          assert.deepEqual(t?.shape, e.shape, `t${i}`);
        });
      } else {
        rejected++;
        assert.throws(() => readSafetensors(bytes), /^RangeError: readSafetensors: /);
      }
    }),
    { numRuns: 400, seed: 7 },
  );
  // both sides of the property were really exercised
  assert.ok(accepted >= 50 && rejected >= 150, `accepted ${accepted}, rejected ${rejected}`);
});

Deno.test("property: byte mutations of a valid file never read out of bounds", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(GOOD.length - 1), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.nat(GOOD.length),
      (edits, cut) => {
        const bytes = GOOD.slice(0, Math.max(cut, GOOD.length - 8));
        for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
        try {
          const f = readSafetensors(bytes);
          // Anything accepted must be fully consistent: each tensor's bytes lie inside the file.
          const h = readSafetensorsHeader(bytes);
          for (const e of h.entries) assert.ok(h.dataStart + e.end <= bytes.length);
          assert.equal(f.tensors.size + f.ints.size, h.entries.length);
        } catch (e) {
          assert.ok(e instanceof RangeError, `unexpected ${e}`);
          assert.match((e as Error).message, /^readSafetensors: /);
        }
      },
    ),
    { numRuns: 2000, seed: 11 },
  );
});
