"""TwilioService in ordinary Python, against the built-in simulator: straight-line async flows,
sync and async handlers, placing calls, the account's calls and recordings, campaigns, request
signatures, schedules, and every misuse raising a named error."""

import asyncio
import datetime

import pytest
from twilio.request_validator import RequestValidator as OfficialValidator

import projectx_twilio
from projectx_twilio import TwilioService
from projectx_twilio.twiml import VoiceResponse

CONFIG = """
runtime: { mode: simulate }
voices:
  captain_nova: { model: neural, style: authoritative }
agents:
  captain-nova: { voice: captain_nova }
compliance: { calling_hours: "00:00-24:00" }
simulator:
  speed: 50
  scenarios:
    "+14155550101": { answer: human, digits: "1" }
    "+14155550102": busy
"""


@pytest.fixture
def service(tmp_path):
    path = tmp_path / "projectx.yaml"
    path.write_text(CONFIG)
    twilio = TwilioService.from_config(str(path))
    yield twilio
    twilio.close()


async def until(predicate, timeout=20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def test_an_async_flow_runs_straight_line_against_the_simulator(service):
    seen = []

    @service.flow("survey")
    async def survey(call):
        call.say("Hello from Quantum Labs.", emotion="excited")
        answer = await call.gather(input="dtmf", num_digits=1, prompt="Press 1 to confirm.")
        call.say("Confirmed." if answer.digits == "1" else "No answer.")
        call.hangup()
        seen.append(("flow", call.sid, answer.digits, call.vars["name"]))

    @service.on("call.ended")
    def ended(ev):
        seen.append(("ended", ev.sid, ev.status, ev.agent))

    async def main():
        call = await service.initiate_call(
            to="+14155550101", agent="captain-nova", flow="survey", vars={"name": "Nova"}
        )
        assert call.sid.startswith("CA") and call.status == "queued"
        await until(lambda: len(seen) == 2)
        return call.sid

    sid = asyncio.run(main())
    assert ("flow", sid, "1", "Nova") in seen
    assert ("ended", sid, "completed", "captain-nova") in seen
    assert service.simulated


def test_handlers_see_each_call_event_in_order_and_async_handlers_run_on_one_loop(service):
    statuses = []
    loops = set()

    @service.on("call.status")
    async def status(ev):
        loops.add(id(asyncio.get_running_loop()))
        statuses.append(ev.status)

    async def main():
        response = VoiceResponse()
        response.say("Raw TwiML.")
        response.hangup()
        await service.make_call(to="+14155550101", twiml=response)
        await until(lambda: "completed" in statuses)

    asyncio.run(main())
    assert statuses.index("ringing") < statuses.index("in-progress") < statuses.index("completed")
    assert len(loops) == 1


def test_a_busy_line_is_a_failed_call_event(service):
    failed = []

    @service.on("call.failed")
    def on_failed(ev):
        failed.append((ev.to, ev.status))

    async def main():
        await service.initiate_call(to="+14155550102", message="Anyone there?")
        await until(lambda: failed)

    asyncio.run(main())
    assert failed == [("+14155550102", "busy")]


def test_wrong_keyword_types_raise_type_errors_naming_the_argument(service):
    async def main():
        with pytest.raises(TypeError, match=r"initiate_call\(\) argument 'to'"):
            await service.initiate_call(to=14155550101, message="hi")
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            await service.initiate_call(to="+14155550101", message="hi", colour="red")
        with pytest.raises(TypeError, match=r"argument 'vars.name'|argument 'vars'"):
            await service.initiate_call(to="+14155550101", message="hi", vars={"name": 5})
        with pytest.raises(TypeError, match="make_call"):
            await service.make_call(to="+14155550101")

    asyncio.run(main())
    with pytest.raises(TypeError):
        service.on("call.ended")(42)
    with pytest.raises(ValueError, match="unknown event"):
        service.on("call.exploded")
    with pytest.raises(ValueError, match="argument 'expr'"):
        service.cron("61 * * * *")
    with pytest.raises(ValueError, match="argument 'tz'"):
        service.cron("0 9 * * MON-FRI", tz="Mars/Olympus")


def test_invalid_numbers_raise_invalid_number_error(service):
    async def main():
        with pytest.raises(projectx_twilio.InvalidNumberError) as caught:
            await service.initiate_call(to="+1415", message="hi")
        return caught.value

    error = asyncio.run(main())
    assert isinstance(error, projectx_twilio.TwilioError)
    assert "invalid to" in error.message
    assert error.code is None and error.status is None


def test_awaitables_outside_async_code_say_how_to_call_them(service):
    with pytest.raises(RuntimeError, match="must be awaited inside async code"):
        service.initiate_call(to="+14155550101", message="hi")


def test_a_failing_handler_does_not_stop_the_others(service):
    errors = []
    ok = []

    @service.on("call.ended")
    def broken(ev):
        raise ValueError("handler bug")

    @service.on("call.ended")
    async def fine(ev):
        ok.append(ev.sid)

    @service.on("script.error")
    def report(ev):
        errors.append(ev.message)

    async def main():
        await service.initiate_call(to="+14155550101", message="hi")
        await until(lambda: ok and errors)

    asyncio.run(main())
    assert "ValueError: handler bug" in errors[0]
    assert "Traceback" in errors[0]


def test_a_campaign_dials_its_contacts_and_reports(service):
    service.define_campaign(
        "spring",
        contacts=[{"to": "+14155550101"}, {"to": "+14155550102"}, {"to": "not a number"}],
        message="Quantum timeline alert",
        cps=5,
    )

    async def main():
        assert await service.start_campaign("spring") is True
        report = await service.wait_campaign("spring")
        with pytest.raises(projectx_twilio.CampaignError) as caught:
            await service.start_campaign("autumn")
        assert caught.value.kind == "unknown"
        return report

    report = asyncio.run(main())
    assert report.outcomes.completed == 1, report
    assert report.outcomes.busy == 1, report
    with pytest.raises(ValueError, match="define_campaign"):
        service.define_campaign("bad", contacts=[], message="hi", cps=-1)


def test_blocking_calls_inside_the_event_loop_are_refused(service):
    async def main():
        service.define_campaign("x", contacts=[{"to": "+14155550101"}], message="hi")

    with pytest.raises(RuntimeError, match="cannot run inside the asyncio event loop"):
        asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# twilio.calls and twilio.recordings

UNKNOWN_CALL = "CA" + "0" * 32
UNKNOWN_RECORDING = "RE" + "0" * 32


def waiting(seconds=600):
    """A call that stays up (600 virtual seconds: 12 s at the configured speed)."""
    response = VoiceResponse()
    response.pause(length=seconds)
    return response


async def status_of(service, sid, wanted, timeout=20.0):
    """Fetches the call until its status is `wanted`; gives the last fetch."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        call = await service.calls.get(sid)
        if call.status == wanted:
            return call
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{sid} is {call.status}, not {wanted}")
        await asyncio.sleep(0.05)


def test_a_placed_call_can_be_fetched_listed_redirected_and_hung_up(service):
    async def main():
        placed = await service.make_call(to="+14155550101", twiml=waiting())
        fetched = await service.calls.get(placed.sid)
        assert isinstance(fetched, projectx_twilio.Record)
        assert fetched.sid == placed.sid and fetched.to == "+14155550101"
        assert fetched.from_ == fetched["from"]

        listed = await service.calls.list(to="+14155550101", limit=5)
        assert placed.sid in [call.sid for call in listed]
        assert all(call.to == "+14155550101" for call in listed)
        assert await service.calls.list(limit=0) == []
        assert await service.calls.list(to="+14155550199") == []

        await status_of(service, placed.sid, "in-progress")
        live = await service.calls.list(status="in-progress", from_=fetched.from_)
        assert placed.sid in [call.sid for call in live]

        keep_waiting = waiting()
        keep_waiting.say("Still here.")
        redirected = await service.calls.redirect(placed.sid, twiml=keep_waiting)
        assert redirected.sid == placed.sid and redirected.status == "in-progress"

        hung_up = await service.calls.hangup(placed.sid)
        assert hung_up.sid == placed.sid
        ended = await status_of(service, placed.sid, "completed")
        assert ended.end_time is not None
        done = await service.calls.list(status="completed", to="+14155550101")
        assert placed.sid in [call.sid for call in done]

        # A redirect takes effect: new TwiML that hangs up ends a call that would wait.
        other = await service.make_call(to="+14155550101", twiml=waiting())
        await status_of(service, other.sid, "in-progress")
        await service.calls.redirect(other.sid, twiml="<Response><Hangup/></Response>")
        await status_of(service, other.sid, "completed", timeout=5.0)

        # An ended call cannot be redirected: Twilio's refusal, as an InvalidRequestError.
        with pytest.raises(projectx_twilio.InvalidRequestError) as refused:
            await service.calls.redirect(other.sid, twiml="<Response><Hangup/></Response>")
        assert refused.value.status == 400 and refused.value.code == 21220

    asyncio.run(main())


def test_a_recording_can_be_listed_fetched_downloaded_and_deleted(service, tmp_path):
    recorded = []

    @service.flow("voicemail")
    async def voicemail(call):
        call.say("Leave a message after the beep.")
        recording = await call.record(max_length=3, play_beep=True)
        recorded.append(recording.sid)
        call.hangup()

    async def main():
        call = await service.initiate_call(to="+14155550101", flow="voicemail")
        await until(lambda: recorded)
        sid = recorded[0]
        assert sid.startswith("RE")

        listed = await service.recordings.list(call_sid=call.sid)
        assert [r.sid for r in listed] == [sid]
        assert listed[0].call_sid == call.sid
        assert [r.sid for r in await service.recordings.list(limit=1)] == [sid]

        fetched = await service.recordings.get(sid)
        assert fetched.sid == sid and fetched.call_sid == call.sid
        assert fetched.duration == 3

        target = tmp_path / "message.wav"
        written = await service.recordings.download(sid, target)
        assert written > 0 and target.stat().st_size == written
        assert target.read_bytes()[:4] == b"RIFF"
        named = tmp_path / "copy.wav"
        assert await service.recordings.download(sid, str(named), format="wav") == written
        # Without format=, a .mp3 file name asks for mp3 (which the simulator does not serve).
        with pytest.raises(projectx_twilio.NotFoundError, match=r"not \.mp3"):
            await service.recordings.download(sid, tmp_path / "message.mp3")
        assert not (tmp_path / "message.mp3").exists()

        assert await service.recordings.delete(sid) is True
        with pytest.raises(projectx_twilio.NotFoundError) as missing:
            await service.recordings.get(sid)
        assert missing.value.status == 404 and missing.value.code == 20404
        assert await service.recordings.list(call_sid=call.sid) == []
        with pytest.raises(projectx_twilio.NotFoundError):
            await service.recordings.delete(sid)
        gone = tmp_path / "gone.wav"
        with pytest.raises(projectx_twilio.NotFoundError):
            await service.recordings.download(sid, gone)
        assert not gone.exists()

    asyncio.run(main())


def test_malformed_and_unknown_sids_raise_twilio_errors(service):
    async def main():
        with pytest.raises(projectx_twilio.InvalidRequestError, match=r'CallSid: "CA123"') as bad:
            await service.calls.get("CA123")
        assert isinstance(bad.value, projectx_twilio.TwilioError)
        assert bad.value.status is None  # refused before anything was sent
        with pytest.raises(projectx_twilio.InvalidRequestError, match="not-a-sid"):
            await service.calls.hangup("not-a-sid")
        with pytest.raises(projectx_twilio.InvalidRequestError, match="CallSid"):
            await service.calls.redirect("CA1", twiml="<Response/>")
        with pytest.raises(projectx_twilio.InvalidRequestError, match=f'RecordingSid: "{UNKNOWN_CALL}"'):
            await service.recordings.get(UNKNOWN_CALL)
        with pytest.raises(projectx_twilio.InvalidRequestError, match="RE1"):
            await service.recordings.delete("RE1")
        with pytest.raises(projectx_twilio.InvalidRequestError, match="RE1"):
            await service.recordings.download("RE1", "never.wav")
        with pytest.raises(projectx_twilio.InvalidRequestError, match=r'CallSid: "nope"'):
            await service.recordings.list(call_sid="nope")

        with pytest.raises(projectx_twilio.NotFoundError, match=UNKNOWN_CALL) as unknown:
            await service.calls.get(UNKNOWN_CALL)
        assert unknown.value.status == 404 and unknown.value.code == 20404
        with pytest.raises(projectx_twilio.NotFoundError):
            await service.calls.hangup(UNKNOWN_CALL)
        with pytest.raises(projectx_twilio.NotFoundError):
            await service.recordings.get(UNKNOWN_RECORDING)

    asyncio.run(main())


def test_wrong_arguments_to_the_account_helpers_raise_naming_the_argument(service, tmp_path):
    async def main():
        with pytest.raises(TypeError, match=r"calls\.list\(\) argument 'to'"):
            await service.calls.list(to=14155550101)
        with pytest.raises(TypeError, match=r"calls\.list\(\) argument 'limit'"):
            await service.calls.list(limit="5")
        with pytest.raises(TypeError, match=r"calls\.list\(\) argument 'limit'"):
            await service.calls.list(limit=-1)
        with pytest.raises(TypeError, match=r"calls\.list\(\) argument 'status': \"done\" is not"):
            await service.calls.list(status="done")
        with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
            await service.calls.list(colour="red")
        with pytest.raises(TypeError, match="unexpected keyword argument 'status'"):
            await service.recordings.list(status="completed")
        with pytest.raises(TypeError, match=r"recordings\.list\(\) argument 'call_sid'"):
            await service.recordings.list(call_sid=["CA1"])
        with pytest.raises(TypeError, match=r"calls\.redirect\(\) argument 'url'"):
            await service.calls.redirect(UNKNOWN_CALL, url=5)
        with pytest.raises(TypeError, match="unexpected keyword argument 'method'"):
            await service.calls.redirect(UNKNOWN_CALL, url="https://example.com/x", method="GET")
        with pytest.raises(TypeError, match="twiml= or url="):
            await service.calls.redirect(UNKNOWN_CALL)
        with pytest.raises(TypeError, match="not both"):
            await service.calls.redirect(UNKNOWN_CALL, twiml="<Response/>", url="https://x.test/")
        with pytest.raises(ValueError, match=r"download\(\) argument 'format': \"ogg\""):
            await service.recordings.download(UNKNOWN_RECORDING, tmp_path / "x.ogg", format="ogg")
        # Positional arguments: Python's own TypeError, with a note naming the argument.
        for argument, wrong in (
            ("sid", lambda: service.calls.get(5)),
            ("sid", lambda: service.calls.hangup(None)),
            ("sid", lambda: service.recordings.delete(b"RE1")),
            ("path", lambda: service.recordings.download(UNKNOWN_RECORDING, 5)),
            ("format", lambda: service.recordings.download(UNKNOWN_RECORDING, "x.wav", format=3)),
        ):
            with pytest.raises(TypeError) as caught:
                await wrong()
            if hasattr(caught.value, "__notes__"):
                assert f"'{argument}'" in " ".join(caught.value.__notes__), caught.value.__notes__

    asyncio.run(main())
    with pytest.raises(RuntimeError, match=r"calls\.get\(\) must be awaited inside async code"):
        service.calls.get(UNKNOWN_CALL)


# ---------------------------------------------------------------------------------------------
# twilio.validate_request


def test_validate_request_accepts_twilios_signature_and_refuses_a_forged_one():
    token = "12345678901234567890123456789012"
    url = "https://mycompany.example/webhooks/voice?kind=inbound"
    params = {"CallSid": UNKNOWN_CALL, "From": "+14155550101", "Digits": "1"}
    with TwilioService(simulate=True, auth_token=token) as service:
        signature = OfficialValidator(token).compute_signature(url, params)
        assert service.validate_request(url, params, signature) is True
        ours = projectx_twilio.RequestValidator(token).compute_signature(url, params)
        assert ours == signature
        # The URL with its default port is the same URL.
        assert service.validate_request(
            "https://mycompany.example:443/webhooks/voice?kind=inbound", params, signature
        )

        forged = OfficialValidator("not-the-token").compute_signature(url, params)
        assert service.validate_request(url, params, forged) is False
        assert service.validate_request(url, {**params, "Digits": "2"}, signature) is False
        assert service.validate_request(url + "&x=1", params, signature) is False
        assert service.validate_request(url, params, "") is False
        assert service.validate_request(url, params, "not base64!") is False

        bare = OfficialValidator(token).compute_signature(url, {})
        assert service.validate_request(url, None, bare) is True
        assert service.validate_request(url, {}, bare) is True

        with pytest.raises(TypeError, match="validate_request\\(\\) argument 'params'"):
            service.validate_request(url, {"Digits": 1}, signature)
        with pytest.raises(TypeError):
            service.validate_request(url, params, None)


# ---------------------------------------------------------------------------------------------
# every()


def test_every_takes_a_timedelta(service):
    fired = []

    @service.every(datetime.timedelta(seconds=1))
    def tick(ev):
        fired.append(ev.name)

    @service.every(datetime.timedelta(hours=1, minutes=30), name="report")
    def report(ev):
        fired.append(ev.name)

    async def main():
        await until(lambda: fired, timeout=10.0)

    asyncio.run(main())
    assert fired[0] == "every 1s"
    for too_short in (datetime.timedelta(milliseconds=10), datetime.timedelta(seconds=-5)):
        with pytest.raises(ValueError, match="argument 'interval': an interval must be at least"):
            service.every(too_short)
    with pytest.raises(ValueError, match="argument 'interval'"):
        service.every("soon")
