"""The type stubs (``projectx_twilio/*.pyi``) against the installed module, so CI catches drift.

- stubtest compares every stubbed name and signature with the runtime;
- the TwiML stub (and its block of the allowlist) must be what ``tools/gen_twiml_stub.py``
  makes from the vocabulary the module carries (``projectx_twilio.twiml._schema()``): the
  generated builders take ``*args, **kwargs`` at runtime, so only this sees their parameters;
- a small program using the API must pass ``mypy --strict`` (the stubs are usable, not just
  consistent).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

BINDINGS = Path(__file__).resolve().parent.parent
ALLOWLIST = BINDINGS / "stubtest-allowlist.txt"
GENERATOR = BINDINGS / "tools" / "gen_twiml_stub.py"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python *args`` in ``cwd`` (a temporary directory: mypy leaves its cache there, not in
    the clone, and the package is the installed one, not whatever the working directory
    holds)."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_stubtest_passes(tmp_path: Path) -> None:
    result = run(
        "-m",
        "mypy.stubtest",
        "projectx_twilio",
        "--allowlist",
        str(ALLOWLIST),
        cwd=tmp_path,
    )
    assert result.returncode == 0, report(result)


def test_twiml_stub_is_generated_from_the_schema(tmp_path: Path) -> None:
    result = run(str(GENERATOR), "--check", cwd=tmp_path)
    assert result.returncode == 0, report(result)


def test_stubs_type_check_a_program(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(
        textwrap.dedent(
            """
            from datetime import timedelta

            from projectx_twilio import Call, Record, RequestValidator, TwilioService
            from projectx_twilio.twiml import Gather, Say, VoiceResponse

            twilio = TwilioService(simulate=True)

            @twilio.flow("welcome")
            async def welcome(call: Call) -> None:
                call.say("Hello", emotion="happy")
                answer: Record = await call.gather(input=["dtmf", "speech"], num_digits=1)
                if answer.digits == "1":
                    await call.dial("+14155550101", timeout=20)
                call.hangup()

            @twilio.on("call.ended")
            def ended(ev: Record) -> None:
                print(ev.sid, ev["status"])

            async def main() -> None:
                doc = VoiceResponse()
                gather: Gather = doc.gather(input="dtmf", num_digits=1)
                say: Say = gather.say("Press 1", voice="alice")
                say.say_as("123", interpret_as="digits")
                doc.append(Say("Bye")).hangup()
                call = await twilio.make_call(to="+14155550100", twiml=doc)
                print(call.sid, doc.to_xml(xml_declaration=False))
                print(await twilio.initiate_call(to="+14155550100", message="Hi"))

            ok: bool = RequestValidator("token").validate("https://x/y", {"A": "1"}, "sig")
            signed: bool = twilio.validate_request("https://x/y", {"A": "1"}, "sig")

            @twilio.every(timedelta(minutes=5), name="tidy")
            async def tidy(ev: Record) -> None:
                live: list[Record] = await twilio.calls.list(status="in-progress", limit=5)
                for call in live:
                    await twilio.calls.redirect(call.sid, twiml=VoiceResponse())
                    ended: Record = await twilio.calls.hangup(call.sid)
                    print(ended.status, (await twilio.calls.get(call.sid)).status)
                    for recording in await twilio.recordings.list(call_sid=call.sid):
                        size: int = await twilio.recordings.download(recording.sid, "r.mp3")
                        gone: bool = await twilio.recordings.delete(recording.sid)
                        print(size, gone, await twilio.recordings.get(recording.sid))
            """
        ),
        encoding="utf-8",
    )
    result = run(
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        str(program),
        cwd=tmp_path,
    )
    assert result.returncode == 0, report(result)
