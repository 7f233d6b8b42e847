"""The benchmark's accounting of child processes: what ``wait4`` sees and what it cannot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bench import load_script

BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\n"


def test_a_descendant_jvm_is_sampled_and_other_children_are_not(tmp_path: Path) -> None:
    """A grandchild named ``java`` (as Spark's JVM under dbt-spark) is counted in ``jvm``; a
    grandchild by another name only through ``wait4``'s own figures."""
    bench = load_script("pipeline")
    java = tmp_path / "java"
    java.symlink_to(sys.executable)  # the kernel names a process after the file it executes
    script = f"{java} -c '{BURN.format(s=1.0)}' && {sys.executable} -c '{BURN.format(s=0.5)}'"
    proc = subprocess.Popen(["sh", "-c", script])
    jvm: dict = {}
    cpu, rss = bench.wait_child(proc, jvm=jvm)
    assert proc.returncode == 0
    assert jvm["processes"] == 1, jvm
    assert 0.5 <= jvm["cpu"] <= 1.3, jvm  # the 1 s burner, sampled every 0.5 s
    assert jvm["rss_mib"] > 1
    assert cpu >= 1.4  # sh waited for both: wait4 counts them all
    assert rss > 1


def test_a_child_past_its_timeout_is_killed_and_still_measured() -> None:
    bench = load_script("pipeline")
    proc = subprocess.Popen([sys.executable, "-c", BURN.format(s=30)])
    cpu, _ = bench.wait_child(proc, timeout=1.0)
    assert proc.returncode != 0
    assert 0.3 < cpu < 5
