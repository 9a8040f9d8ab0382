"""A pre-launch check-in, in ordinary asyncio Python with projectx_twilio.

Dr Quantum calls the crew of the starship Quantum before launch: press 1 if you are ready,
2 if you need more time (then say how many hours). First one call, placed and awaited; then
the whole crew as a campaign, with a retry for a busy line, and its report.

Runs against the built-in Twilio simulator (``simulate=True``): nobody is dialled and nothing
is paid. How each crew member answers is in projectx.yaml beside this file.

    pip install ./bindings/python
    python examples/python/asyncio_campaign.py
"""

import asyncio
import pathlib
import threading

from projectx_twilio import Record, TwilioService

HERE = pathlib.Path(__file__).resolve().parent

CREW = [
    {"to": "+14155550151", "name": "Captain Nova", "station": "the bridge"},
    {"to": "+14155550152", "name": "Ensign Vega", "station": "engineering"},
    {"to": "+14155550153", "name": "Cadet Orbit", "station": "navigation"},
    {"to": "+14155550154", "name": "Admiral Zed", "station": "the observation deck"},
]

# No credentials and simulate=True: the runtime starts the built-in simulator.
twilio = TwilioService(simulate=True, config=HERE / "projectx.yaml")

# What each crew member answered, by number. Flows write it; main() prints it.
answers: dict[str, str] = {}


@twilio.flow("checkin")
async def checkin(call):
    """The call as straight-line code: each ``await call.gather`` waits for the answer."""
    name = call.vars.get("name", "crew member")
    call.say(f"Hello {name}, this is Dr Quantum with the pre-launch check-in.")
    answer = await call.gather(
        input="dtmf",
        num_digits=1,
        timeout=5,
        prompt=f"Press 1 if {call.vars.get('station', 'your station')} is ready for launch, "
        "or 2 if you need more time.",
    )
    if answer.digits == "1":
        answers[call.to] = "ready"
        call.say("Ready. See you on the bridge.", emotion="happy")
    elif answer.digits == "2":
        hours = await call.gather(
            input="speech", timeout=5, prompt="How many hours do you need? Say a number."
        )
        answers[call.to] = f"needs {hours.speech or 'some'} hours"
        call.say(f"Noted: {hours.speech or 'some'} hours. Captain Nova will be told.")
    else:
        answers[call.to] = "no reply"
        call.say("No answer heard. We will try you on the intercom.")
    call.hangup()


class Endings:
    """Lets asyncio code await a call's end. Event handlers run on the service's own thread,
    so the ending is handed to the waiting event loop with ``call_soon_threadsafe``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ended: dict[str, Record] = {}
        self._waiting: dict[str, asyncio.Future] = {}

    def ended(self, event: Record) -> None:
        with self._lock:
            self._ended[event.sid] = event
            future = self._waiting.pop(event.sid, None)
        if future is not None:
            future.get_loop().call_soon_threadsafe(_resolve, future, event)

    async def wait(self, sid: str, timeout: float = 60.0) -> Record:
        with self._lock:
            if sid in self._ended:
                return self._ended[sid]
            future = asyncio.get_running_loop().create_future()
            self._waiting[sid] = future
        return await asyncio.wait_for(future, timeout)


def _resolve(future: asyncio.Future, value: Record) -> None:
    if not future.done():
        future.set_result(value)


endings = Endings()


@twilio.on("call.ended")
def on_call_ended(event):
    print(f"event call.ended   {event.to} {event.status} after {event.duration or 0} s", flush=True)
    endings.ended(event)


@twilio.on("campaign.done")
def on_campaign_done(event):
    print(f"event campaign.done {event.campaign}: {event.report.attempts} attempts", flush=True)


async def main() -> None:
    try:
        # One call, placed and awaited.
        captain = CREW[0]
        call = await twilio.initiate_call(
            to=captain["to"],
            agent="dr-quantum",
            flow="checkin",
            vars={"name": captain["name"], "station": captain["station"]},
        )
        print(f"placed {call.sid} to {captain['name']} ({call.status})", flush=True)
        ended = await endings.wait(call.sid)
        print(f"{captain['name']}: {answers.get(captain['to'])} (call {ended.status})", flush=True)

        # The whole crew as a campaign: paced, a busy line tried once more, then a report.
        # define_campaign blocks until stored, so it runs on a worker thread, not the loop.
        await asyncio.to_thread(
            twilio.define_campaign,
            "launch-checkin",
            contacts=CREW,
            agent="dr-quantum",
            flow="checkin",
            cps=5,
            retry={"busy": {"after": "1s", "max": 1}},
        )
        await twilio.start_campaign("launch-checkin")
        report = await asyncio.wait_for(twilio.wait_campaign("launch-checkin"), 120)

        print("answers:", flush=True)
        for member in CREW:
            print(f"  {member['name']:<13} {answers.get(member['to'], 'not reached')}", flush=True)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.to_dict().items()))
        print(f"campaign launch-checkin: {report.attempts} attempts ({outcomes})", flush=True)
    finally:
        twilio.close()


if __name__ == "__main__":
    asyncio.run(main())
