"""TwilioService in ordinary Python, against the built-in simulator: straight-line async flows,
sync and async handlers, placing calls, campaigns, and every misuse raising a named error."""

import asyncio

import pytest

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
