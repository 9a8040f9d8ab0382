"""examples/python/asyncio_campaign.py, run as a user runs it: a separate Python process with
the installed projectx_twilio, against the built-in simulator."""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "examples" / "python" / "asyncio_campaign.py"


def test_the_asyncio_example_places_a_call_runs_a_campaign_and_prints_the_results(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "PROJECTX_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=tmp_path,  # nothing is written beside the script
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "Traceback" not in done.stderr, done.stderr

    # One call placed and awaited: the flow heard Captain Nova press 1.
    assert "Captain Nova: ready (call completed)" in out, out
    # The campaign: every crew member's branch of the flow, and the busy line tried twice.
    lines = out.splitlines()
    assert "  Captain Nova  ready" in lines, out
    assert "  Ensign Vega   needs three hours" in lines, out
    assert "  Cadet Orbit   not reached" in lines, out
    assert "  Admiral Zed   no reply" in lines, out
    assert "campaign launch-checkin: 5 attempts (busy 2, completed 3)" in lines, out
    # The event handlers saw every ending and the campaign's end.
    ended = [line for line in lines if line.startswith("event call.ended")]
    assert len(ended) == 6, out
    assert sum("+14155550153 busy" in line for line in ended) == 2, out
    assert "event campaign.done launch-checkin: 5 attempts" in lines, out
    assert list(tmp_path.iterdir()) == []
