/** Hand-computed step lengths (independent of the implementation's formulas). */
import type { StepSchedule } from "../../recovery/schedule.ts";

/** Cases `{ schedule, t, f, ‖D‖², expected step }`. */
export const schedules: { s: StepSchedule; t: number; f: number; g2: number; want: number }[] = [
  { s: { kind: "geometric", eta0: 0.3, rho: 0.5 }, t: 2, f: 1, g2: 1, want: 0.075 },
  { s: { kind: "constant", eta: 0.1 }, t: 99, f: 5, g2: 9, want: 0.1 },
  { s: { kind: "polyak", fStar: 0.5 }, t: 3, f: 2.5, g2: 4, want: 0.5 },
  { s: { kind: "normalized", eta0: 1, rho: 0.5 }, t: 1, f: 0, g2: 16, want: 0.125 },
  // A zero sub-gradient (stationary iterate) gives a zero step, not 0/0, for the dividing rules.
  { s: { kind: "polyak", fStar: 0.5 }, t: 3, f: 2.5, g2: 0, want: 0 },
  { s: { kind: "normalized", eta0: 1, rho: 0.5 }, t: 1, f: 0, g2: 0, want: 0 },
  // Polyak never steps backwards when f is below the estimate fStar.
  { s: { kind: "polyak", fStar: 3 }, t: 0, f: 2, g2: 4, want: 0 },
];
