/**
 * The issue-12 §4 table in one sitting: per-call time of small `matmul`s (16, 32, 64), the 8×8
 * `qr`/`svd`/`eigh`, `eigh` of 512, and a 1024² `matmul` into a fresh output, for us, ml-matrix
 * and numpy (`benches/numpy_small.py`, one thread and default threads), all warm, best of
 * several blocks. Run: `deno run -A benches/small_sizes.ts [--json FILE]`. Prints a markdown table;
 * `--json FILE` also writes the rows (µs per call of each side; null where a peer did not run).
 *
 * @module
 */
import {
  EigenvalueDecomposition,
  Matrix,
  QrDecomposition,
  SingularValueDecomposition,
} from "ml-matrix";
import { eigh, matmul, qr, randn, svd, type Tensor } from "../mod.ts";

/** Best per-call microseconds of `f` over `blocks` blocks of `reps` calls, after a warm block. */
function bestUs(f: () => unknown, reps: number, blocks = 7): number {
  for (let i = 0; i < reps; i++) f();
  let best = Infinity;
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best * 1e3;
}

const toMl = (t: Tensor): Matrix => {
  const [m, n] = t.shape;
  return new Matrix(
    Array.from({ length: m }, (_, i) => Array.from(t.data.slice(i * n, i * n + n))),
  );
};

/** numpy's lines `name: us` from the peer script (null when python/numpy is missing). */
async function numpy(threads: string | null): Promise<Map<string, number> | null> {
  const env = Deno.env.toObject();
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (threads !== null) env.OPENBLAS_NUM_THREADS = threads;
  const script = new URL("./numpy_small.py", import.meta.url).pathname;
  try {
    const out = await new Deno.Command("python3", { args: [script], env, clearEnv: true }).output();
    if (!out.success) return null;
    const rows = new TextDecoder().decode(out.stdout).trim().split("\n");
    return new Map(rows.map((r) => [r.split(":")[0], Number(r.split(":")[1])]));
  } catch {
    return null;
  }
}

function ours(): { name: string; us: number; ml?: number }[] {
  const rows: { name: string; us: number; ml?: number }[] = [];
  for (const n of [16, 32, 64]) {
    const a = randn([n, n], { seed: 1 }), b = randn([n, n], { seed: 2 });
    const am = toMl(a), bm = toMl(b), reps = n <= 32 ? 20000 : 5000;
    rows.push({
      name: `matmul ${n}`,
      us: bestUs(() => matmul(a, b), reps),
      ml: bestUs(() => am.mmul(bm), n <= 32 ? 5000 : 1000),
    });
  }
  const a8 = randn([8, 8], { seed: 3 }), s8 = matmul(a8, a8, { transB: true });
  const m8 = toMl(a8), ms8 = toMl(s8);
  rows.push({
    name: "qr 8",
    us: bestUs(() => qr(a8), 20000),
    ml: bestUs(() => {
      const d = new QrDecomposition(m8);
      return [d.orthogonalMatrix, d.upperTriangularMatrix];
    }, 20000),
  });
  rows.push({
    name: "svd 8",
    us: bestUs(() => svd(a8), 20000),
    ml: bestUs(() => new SingularValueDecomposition(m8), 20000),
  });
  rows.push({
    name: "eigh 8",
    us: bestUs(() => eigh(s8), 20000),
    ml: bestUs(() => new EigenvalueDecomposition(ms8, { assumeSymmetric: true }), 20000),
  });
  const a512 = randn([512, 512], { seed: 4 });
  const s512 = matmul(a512, a512, { transB: true });
  rows.push({ name: "eigh 512", us: bestUs(() => eigh(s512), 3, 5) });
  const x = randn([1024, 1024], { seed: 5 }), y = randn([1024, 1024], { seed: 6 });
  const xm = toMl(x), ym = toMl(y);
  rows.push({
    name: "matmul 1024",
    us: bestUs(() => matmul(x, y), 2, 5),
    ml: bestUs(() => xm.mmul(ym), 1, 2),
  });
  return rows;
}

/** The FILE of `--json FILE` (the only flag), checked before any timing. */
function jsonFlag(args: string[]): string | null {
  if (args.length === 0) return null;
  if (args.length !== 2 || args[0] !== "--json" || args[1].startsWith("--")) {
    console.error(`small_sizes: the only flag is --json FILE, got ${args.join(" ")}`);
    Deno.exit(2);
  }
  Deno.writeTextFileSync(args[1], ""); // an unwritable path fails now, not after the timing
  return args[1];
}

if (import.meta.main) {
  const jsonPath = jsonFlag(Deno.args);
  const np1 = await numpy("1");
  const rows = ours();
  const npDefault = await numpy(null);
  const fmt = (v: number | undefined): string =>
    v === undefined || !Number.isFinite(v)
      ? "—"
      : v >= 1000
      ? `${(v / 1000).toFixed(2)} ms`
      : `${v.toFixed(2)} µs`;
  console.log(`date ${new Date().toISOString()}, load ${Deno.loadavg().map((l) => l.toFixed(1))}`);
  console.log(
    "| size | ours | numpy 1 thread | numpy default | ml-matrix | ours/numpy1 | ours/ml |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const n1 = np1?.get(r.name), nd = npDefault?.get(r.name);
    console.log(
      `| ${r.name} | ${fmt(r.us)} | ${fmt(n1)} | ${fmt(nd)} | ${fmt(r.ml)} | ${
        n1 ? (r.us / n1).toFixed(2) : "—"
      }× | ${r.ml ? (r.us / r.ml).toFixed(2) : "—"}× |`,
    );
  }
  if (jsonPath) {
    const json = rows.map((r) => ({
      name: r.name,
      ours_us: r.us,
      ml_matrix_us: r.ml ?? null,
      numpy_1_thread_us: np1?.get(r.name) ?? null,
      numpy_default_us: npDefault?.get(r.name) ?? null,
    }));
    await Deno.writeTextFile(jsonPath, JSON.stringify({ rows: json }, null, 2));
  }
}
