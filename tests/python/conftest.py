"""Fixtures for the Python compatibility suite (tests/python/test_simulator_compat.py).

One `projectx simulator` process serves the whole pytest session. It runs in a fresh temporary
working directory with PROJECTX_CONFIG and the TWILIO_* variables removed from its environment,
so it loads no projectx.yaml and answers for the built-in account
(DEFAULT_ACCOUNT_SID / DEFAULT_AUTH_TOKEN in src/simulator/mod.rs).

The binary is $PROJECTX_BIN, else target/debug/projectx under the repository root
(`bash .ci/test-python` builds it).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "tests" / "fixtures" / "twilio_api_v2010.json"

ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "simulator-auth-token"
SPEED = 100
TWILIO_API = "https://api.twilio.com"

STARTUP_LIMIT_S = 30.0
#: Upper bound (real seconds) for any call to reach a state we wait for. At speed 100 the
#: longest call these tests let run to the end takes well under a second of real time.
WAIT_LIMIT_S = 30.0


# ---------------------------------------------------------------------------------------------
# The simulator process
# ---------------------------------------------------------------------------------------------


class Simulator:
    def __init__(self, process: subprocess.Popen, base_url: str, log: Path):
        self.process = process
        self.base_url = base_url
        self.log = log
        self.account_sid = ACCOUNT_SID
        self.auth_token = AUTH_TOKEN

    @property
    def api(self) -> str:
        """Base of the account's 2010-04-01 resources."""
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"


def _binary() -> Path:
    given = os.environ.get("PROJECTX_BIN")
    path = Path(given) if given else REPO_ROOT / "target" / "debug" / "projectx"
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.exit(
            f"projectx binary not found or not executable at {path}: build it with "
            "`cargo build --bin projectx` (or run `bash .ci/test-python`), "
            "or point $PROJECTX_BIN at it",
            returncode=3,
        )
    return path


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterable[Simulator]:
    binary = _binary()
    workdir = tmp_path_factory.mktemp("simulator-cwd")
    log = workdir / "simulator.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TWILIO_") and k != "PROJECTX_CONFIG"
    }
    # Port 0: the kernel picks a free port, and the simulator prints the address it got
    # ("Twilio simulator on http://127.0.0.1:PORT"), so there is no window in which another
    # process could take a port we picked beforehand.
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(binary), "simulator", "--listen", "127.0.0.1:0", "--speed", str(SPEED)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base_url = _wait_until_ready(process, log)
        yield Simulator(process, base_url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_ready(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    base_url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"projectx simulator exited with {process.returncode} before it was ready:\n"
                + log.read_text(errors="replace")
            )
        if base_url is None:
            found = re.search(r"Twilio simulator on (http://\S+)", log.read_text(errors="replace"))
            base_url = found.group(1) if found else None
        if base_url is not None:
            try:
                # Any HTTP answer means it serves; without credentials it is a 401.
                requests.get(f"{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json", timeout=2)
                return base_url
            except requests.ConnectionError:
                pass
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(
        f"projectx simulator did not answer within {STARTUP_LIMIT_S}s:\n"
        + log.read_text(errors="replace")
    )


# ---------------------------------------------------------------------------------------------
# The official client, pointed at the simulator
# ---------------------------------------------------------------------------------------------


class SimulatorHttpClient(TwilioHttpClient):
    """twilio-python's own HTTP client, sending what it builds for https://api.twilio.com to the
    simulator instead.

    `Client(..., http_client=...)` is the library's supported hook for swapping its transport
    (twilio/base/client_base.py: `self.http_client = http_client or TwilioHttpClient()`; every
    request, first pages and `next_page_uri` follow-ups alike, ends in
    `self.http_client.request(method, uri, ...)` with an absolute `https://api.twilio.com/...`
    URL). The alternatives are worse: `edge`/`region` only insert labels into `*.twilio.com`
    host names and cannot name another host or port, and assigning `client.api.base_url`
    patches one generated Domain object's attribute. Subclassing TwilioHttpClient keeps the
    library's real request building, auth, headers and response handling; only the scheme and
    host change. Any URL that is not api.twilio.com fails loudly rather than leave the machine.

    It also keeps a log of (method, url) it sent, so tests can count the pages a stream read.
    """

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.sent: list[tuple[str, str]] = []

    def request(self, method, url, *args, **kwargs):
        if not url.startswith(TWILIO_API + "/"):
            raise AssertionError(f"the library asked for {url}, not a {TWILIO_API} URL")
        rewritten = self.base_url + url[len(TWILIO_API):]
        # The URL as it goes on the wire, query included (first pages pass `params`, later
        # pages a next_page_uri that already carries its query).
        wire = requests.Request("GET", rewritten, params=kwargs.get("params")).prepare().url
        self.sent.append((method.upper(), wire))
        return super().request(method, rewritten, *args, **kwargs)


def make_client(simulator: Simulator, auth_token: str | None = None) -> Client:
    return Client(
        simulator.account_sid,
        auth_token or simulator.auth_token,
        http_client=SimulatorHttpClient(simulator.base_url, timeout=15),
        # An empty environment, so no TWILIO_EDGE / TWILIO_REGION of the machine applies.
        environment={},
    )


@pytest.fixture(scope="session")
def client(simulator: Simulator) -> Client:
    return make_client(simulator)


@pytest.fixture
def client_factory(simulator: Simulator) -> Callable[..., Client]:
    return lambda auth_token=None: make_client(simulator, auth_token)


@pytest.fixture(scope="session")
def raw(simulator: Simulator) -> requests.Session:
    """Plain HTTP with the account's Basic auth, for the raw JSON bodies."""
    session = requests.Session()
    session.auth = (simulator.account_sid, simulator.auth_token)
    return session


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_numbers = itertools.count(100)


@pytest.fixture
def new_number() -> Callable[[], str]:
    """A fresh, valid US number (+1 628 555 NNNN) for each call, so `To` filters are exact."""

    def make() -> str:
        n = next(_numbers)
        assert n < 10000, "ran out of test numbers"
        return f"+1628555{n:04d}"

    return make


TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


@pytest.fixture
def wait_status(client: Client) -> Callable[..., object]:
    """Polls `client.calls(sid).fetch()` until the status is one of `statuses` (bounded)."""

    def wait(sid: str, statuses: Iterable[str] = TERMINAL, limit: float = WAIT_LIMIT_S):
        wanted = set(statuses)
        deadline = time.monotonic() + limit
        seen = []
        while True:
            call = client.calls(sid).fetch()
            if not seen or seen[-1] != call.status:
                seen.append(call.status)
            if call.status in wanted:
                return call
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"call {sid} did not reach {sorted(wanted)} within {limit}s; statuses seen: {seen}"
                )
            time.sleep(0.02)

    return wait


@pytest.fixture
def transcript(simulator: Simulator) -> Callable[[str], dict]:
    """The simulator's own view of a call: GET /simulator/calls/{sid}."""

    def fetch(sid: str) -> dict:
        reply = requests.get(f"{simulator.base_url}/simulator/calls/{sid}", timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()

    return fetch


@pytest.fixture(scope="session")
def spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# A local web app for the simulator to call: TwiML for `url=`, status callbacks
# ---------------------------------------------------------------------------------------------


class Webhooks:
    """An HTTP server on 127.0.0.1 that records every request the simulator sends it.

    POST/GET /twiml/<anything> answers with `twiml`; /hold/<anything> answers 204 only once the
    test calls `release(path)` (at most HOLD_LIMIT_S later), which keeps the simulator waiting
    on that callback; anything else answers 204.
    """

    HOLD_LIMIT_S = 20.0

    twiml = "<Response><Say>Hello from the Python suite.</Say></Response>"

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.holds: dict[str, threading.Event] = {}
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                with hooks.lock:
                    hooks.requests.append(
                        {
                            "method": self.command,
                            "path": path,
                            "url": f"http://{self.headers['Host']}{self.path}",
                            "query": dict(parse_qsl(query)),
                            "form": dict(parse_qsl(body)),
                            "signature": self.headers.get("X-Twilio-Signature"),
                        }
                    )
                if path.startswith("/hold/"):
                    hooks.hold(path).wait(hooks.HOLD_LIMIT_S)
                if path.startswith("/twiml/"):
                    data = hooks.twiml.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self.send_response(204)
                    self.end_headers()

            do_GET = _handle
            do_POST = _handle

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hold(self, path: str) -> threading.Event:
        with self.lock:
            return self.holds.setdefault(path, threading.Event())

    def release(self, path: str) -> None:
        self.hold(path).set()

    def matching(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def wait_for(self, path: str, count: int, limit: float = WAIT_LIMIT_S) -> list[dict]:
        deadline = time.monotonic() + limit
        while True:
            found = self.matching(path)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} requests to {path} within {limit}s, got {len(found)}: {found}"
                )
            time.sleep(0.02)

    def close(self):
        with self.lock:
            for event in self.holds.values():
                event.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def webhooks() -> Iterable[Webhooks]:
    hooks = Webhooks()
    yield hooks
    hooks.close()
