"""projectx_twilio figures against the official library, in one process:

- VoiceResponse.to_xml() on the same documents (the three reference documents of the
  TwiML vectors and a 20-utterance Say), built once with each library;
- building plus rendering the same documents;
- import time of each package (fresh interpreters, best of 5);
- the installed wheel's size, when given (--wheel PATH).

Run: python bindings/python/bench/bench.py [--wheel dist/projectx_twilio-*.whl]
"""

import argparse
import os
import statistics
import subprocess
import sys
import timeit


def ivr(m):
    r = m.VoiceResponse()
    g = r.gather(input="speech dtmf", num_digits=1, action="/twilio/flow/menu?step=1",
                 method="POST", action_on_empty_result=True, timeout=5)
    g.say("Welcome to Quantum Labs. Press 1 for sales, 2 for support.", voice="Polly.Joanna-Neural")
    r.say("We did not hear you. Goodbye.", voice="Polly.Joanna-Neural")
    r.hangup()
    return r


def ssml(m):
    r = m.VoiceResponse()
    s = r.say(voice="Polly.Matthew", language="en-US")
    s.prosody("Attention, crew.", pitch="+20%", rate="90%")
    s.break_(time="400ms")
    s.emphasis("The timeline is unstable.", level="strong")
    s.say_as("4155550100", interpret_as="telephone")
    s.add_child("amazon:effect", "Whispered warning.", phonation="soft")
    s.sub("Dr.", alias="Doctor")
    s.w("read", role="amazon:VBD")
    return r


def dial(m):
    r = m.VoiceResponse()
    d = r.dial(caller_id="+15005550006", timeout=20, record="record-from-answer")
    d.number("+14155550100", send_digits="ww1234")
    d.client("captain-nova")
    d.conference("bridge-7", start_conference_on_enter=True, end_conference_on_exit=False)
    c = r.connect()
    s = c.stream(url="wss://example.com/stream")
    s.parameter(name="agent", value="dr-quantum")
    return r


def twenty(m):
    r = m.VoiceResponse()
    for i in range(20):
        s = r.say(voice="Polly.Joanna-Neural")
        s.prosody("Utterance %d: the quantum & <classical> \"worlds\" meet." % i, rate="95%", pitch="+5%")
        s.break_(time="300ms")
    return r


DOCUMENTS = {"ivr": ivr, "ssml": ssml, "dial": dial, "20-utterance say": twenty}


def per_call(fn, seconds=0.4):
    timer = timeit.Timer(fn)
    n, _ = timer.autorange()
    runs = [timer.timeit(n) / n for _ in range(5)]
    return min(runs)


def import_time(module):
    code = "import time; t = time.perf_counter(); import %s; print(time.perf_counter() - t)" % module
    times = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return min(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel")
    args = parser.parse_args()
    import twilio.twiml.voice_response as official
    import projectx_twilio.twiml as ours

    print("%-18s %14s %14s %8s | %14s %14s %8s" % (
        "document", "official xml", "projectx xml", "ratio", "official b+r", "projectx b+r", "ratio"))
    ratios = []
    for name, build in DOCUMENTS.items():
        a, b = build(official), build(ours)
        assert a.to_xml() == b.to_xml(), name
        ta = per_call(a.to_xml)
        tb = per_call(b.to_xml)
        ba = per_call(lambda: build(official).to_xml())
        bb = per_call(lambda: build(ours).to_xml())
        ratios.append(ta / tb)
        print("%-18s %11.2f µs %11.2f µs %7.1fx | %11.2f µs %11.2f µs %7.1fx" % (
            name, ta * 1e6, tb * 1e6, ta / tb, ba * 1e6, bb * 1e6, ba / bb))
    print("to_xml speed-up: min %.1fx, median %.1fx" % (min(ratios), statistics.median(ratios)))
    print("import time: twilio.twiml.voice_response %.1f ms, projectx_twilio %.1f ms" % (
        import_time("twilio.twiml.voice_response") * 1e3, import_time("projectx_twilio") * 1e3))
    if args.wheel:
        print("wheel: %s, %.1f MB" % (os.path.basename(args.wheel), os.path.getsize(args.wheel) / 1e6))


if __name__ == "__main__":
    main()
