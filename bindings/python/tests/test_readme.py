"""The README's Python tour runs as written (against the simulator)."""

import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def test_the_tour_snippet_runs_as_written(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    tour = [b for b in blocks if "with TwilioService(simulate=True) as twilio" in b]
    assert len(tour) == 1, "the tour's Python block is missing from the README"
    done = subprocess.run(
        [sys.executable, "-c", tour[0]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    sid, status = done.stdout.split()
    assert re.fullmatch(r"CA[0-9a-f]{32}", sid)
    assert status == "queued"
