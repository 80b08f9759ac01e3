"""``python -m bench --profile``: py-spy records a running process into a speedscope file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from bench import profiling
from bench.options import parse_options

BUSY = "import time\ndef spin():\n    while True:\n        sum(range(1000))\nspin()\n"


def test_the_server_is_recorded_into_a_speedscope_file(tmp_path: Path) -> None:
    options = replace(parse_options(["--profile", "--duration", "1", "--no-pin"], {}),
                      results_dir=tmp_path)
    assert options.profile
    busy = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        with profiling.recording(busy.pid, options, "W9") as output:
            time.sleep(1.0)
    finally:
        busy.kill()
        busy.wait()
    assert output is not None and output.parent == tmp_path and "W9" in output.name
    frames = {frame["name"] for frame in json.loads(output.read_text())["shared"]["frames"]}
    assert "spin" in frames


def test_without_py_spy_nothing_is_recorded(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profiling, "py_spy", lambda: None)
    options = replace(parse_options(["--profile"], {}), results_dir=tmp_path)
    with profiling.recording(1, options, "W1") as output:
        pass
    assert output is None and list(tmp_path.iterdir()) == []
