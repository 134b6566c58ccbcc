"""Cold start of the command line: `nexa --help` and one `nexa ask` turn, wall time from process start to exit.

Targets (issue 15, quiet machine): `nexa --help` <= 0.5 s, `nexa ask` <= 2 s. The ask runs on the demo CRM in
a throwaway NEXA_HOME (seeded once before timing; the embedded server stays up between runs, as it does for a user).
Prints the median and the spread of `--runs` runs each, and the load average, since a busy machine slows both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEXA = str(Path(sys.executable).with_name("nexa"))


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([NEXA, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    env = os.environ | {"NEXA_HOME": tempfile.mkdtemp(prefix="nexa-cold-"), "HF_HUB_OFFLINE": "1"}
    env.pop("DATABASE_URL", None)
    subprocess.run([NEXA, "seed"], env=env, check=True, capture_output=True)
    for label, args in (("nexa --help", ["--help"]),
                        ("nexa ask", ["ask", "what's my pipeline?", "--as", "john@nexa.test"])):
        times = [_timed(args, env) for _ in range(runs)]
        print(f"{label:<12} median {statistics.median(times):.2f} s  (min {min(times):.2f}, max {max(times):.2f}, {runs} runs)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
