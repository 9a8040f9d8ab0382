"""The official-library side of `cargo bench --bench twiml`.

Reads the documents as JSON on stdin (written by benches/twiml.rs), builds each one with
Twilio's official helper library (twilio-python) and renders it with `to_xml()`, checks the
bytes equal what projectx renders, and times build + `to_xml()`: a warm-up, then several
rounds of one batch per document, the median in nanoseconds per document. Prints the results as JSON on stdout.

Input: {"target_seconds": 0.75, "batches": 11, "documents": [
    {"name": ..., "expected_xml": ..., "builder_calls": ["r = VoiceResponse()", ...]},
    {"name": ..., "expected_xml": ..., "tree": {"name", "attrs": [[k, v], ...], "text",
                                                "children": [tree | "tail text", ...]}}]}
"""

import json
import math
import sys
import time

import twilio
from twilio.twiml.voice_response import VoiceResponse


def from_builder_calls(calls):
    """The reference documents: the exact calls of the fixture, in one function."""
    source = "def build():\n"
    source += "".join("    " + call + "\n" for call in calls)
    source += "    return r.to_xml()\n"
    namespace = {"VoiceResponse": VoiceResponse}
    exec(compile(source, "<builder_calls>", "exec"), namespace)
    return namespace["build"]


def from_tree(tree):
    """Any tree, rebuilt with the generic API: `parent.add_child(name, text)`, then
    `.attrs[k] = v` for each attribute (names with '-' or ':' cannot be keyword arguments),
    and `parent.append(text)` for text that follows a child (ElementTree's tail).

    The calls are generated as straight-line code, so the timing holds the library's work and
    nothing of walking the description."""
    lines = ["def build():", "    n0 = VoiceResponse()"]
    counter = [0]

    def emit(var, node):
        for key, value in node["attrs"]:
            lines.append(f"    {var}.attrs[{key!r}] = {value!r}")
        for child in node["children"]:
            if isinstance(child, str):
                lines.append(f"    {var}.append({child!r})")
            else:
                counter[0] += 1
                child_var = f"n{counter[0]}"
                lines.append(
                    f"    {child_var} = {var}.add_child({child['name']!r}, {child['text']!r})"
                )
                emit(child_var, child)

    if tree["name"] != "Response":
        raise ValueError(f"the root must be Response, not {tree['name']!r}")
    if tree["text"] is not None:
        lines.append(f"    n0.value = {tree['text']!r}")
    emit("n0", tree)
    lines.append("    return n0.to_xml()")
    namespace = {"VoiceResponse": VoiceResponse}
    exec(compile("\n".join(lines) + "\n", "<tree>", "exec"), namespace)
    return namespace["build"]


def measure(builds, target_seconds, batches):
    """Each document warms up for a tenth of the target, which also sizes its batches; then
    `batches` rounds time one batch of every document in turn, so a burst of load from
    elsewhere lands on a batch or two of each document rather than on all batches of one."""
    clock = time.perf_counter_ns
    per_batch_ns = target_seconds * 1e9 / batches
    iterations = []
    for build in builds:
        start = clock()
        warm_iterations = 0
        while clock() - start < per_batch_ns * batches / 10:
            build()
            warm_iterations += 1
        estimate_ns = (clock() - start) / warm_iterations
        iterations.append(max(1, math.ceil(per_batch_ns / estimate_ns)))
    samples = [[] for _ in builds]
    for _ in range(batches):
        for build, n, out in zip(builds, iterations, samples):
            start = clock()
            for _ in range(n):
                build()
            out.append((clock() - start) / n)
    results = []
    for out, n in zip(samples, iterations):
        out.sort()
        results.append(
            {
                "median_ns": out[len(out) // 2],
                "min_ns": out[0],
                "max_ns": out[-1],
                "iterations_per_batch": n,
            }
        )
    return results


def main():
    spec = json.load(sys.stdin)
    builds = []
    for doc in spec["documents"]:
        if "builder_calls" in doc:
            build = from_builder_calls(doc["builder_calls"])
        else:
            build = from_tree(doc["tree"])
        got = build()
        if got != doc["expected_xml"]:
            sys.exit(
                f"{doc['name']}: the official library renders different bytes\n"
                f"  official: {got}\n  projectx: {doc['expected_xml']}"
            )
        builds.append(build)
    results = measure(builds, spec["target_seconds"], spec["batches"])
    for doc, result in zip(spec["documents"], results):
        result["name"] = doc["name"]
    json.dump(
        {
            "python_version": sys.version.split()[0],
            "twilio_version": twilio.__version__,
            "results": results,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
