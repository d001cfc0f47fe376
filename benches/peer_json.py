"""`--json FILE` for the numpy peers (read by benches/results.ts, which rewrites RESULTS.md).

Each peer script calls `record(name, best_ms, median_ms)` for every case it times and `write()`
at the end; with `--json FILE` on its command line the cases go to FILE as
{"numpy": version, "openblas_threads": ..., "rows": [{"name", "best_ms", "median_ms"}]}.
The flag is checked before any timing starts, so a missing FILE fails at once.
"""
import json
import os
import sys

import numpy as np

ROWS = []


def json_path():
    """The FILE of `--json FILE`, or None; exits with one line when FILE is missing."""
    args = sys.argv[1:]
    if "--json" not in args:
        return None
    i = args.index("--json")
    if i + 1 >= len(args) or args[i + 1].startswith("--") or args.count("--json") > 1:
        sys.exit("--json needs exactly one FILE")
    return args[i + 1]


PATH = json_path()
if PATH is not None:
    open(PATH, "w").close()  # an unwritable path fails now, not after the timing


def record(name, best_ms, median_ms=None):
    """Keeps one timed case for `write()`."""
    ROWS.append({"name": name, "best_ms": float(best_ms),
                 "median_ms": None if median_ms is None else float(median_ms)})


def write():
    """Writes the recorded cases to the `--json` FILE, if one was given."""
    if PATH is None:
        return
    out = {"numpy": np.__version__,
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"), "rows": ROWS}
    with open(PATH, "w") as f:
        json.dump(out, f)
