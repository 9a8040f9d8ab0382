"""projectx_twilio: call automation on Twilio from Python.

The same classes run inside ``projectx run`` (where each ``.py`` script gets a ``twilio``
bound to the runtime) and in ordinary Python::

    from projectx_twilio import TwilioService
    twilio = TwilioService(simulate=True)   # the built-in Twilio simulator: offline and free
"""

import datetime
import os
from collections.abc import Awaitable, Callable, Mapping
from types import SimpleNamespace, TracebackType
from typing import Any, Generic, Literal, TypeVar, final, overload

from typing_extensions import Required, Self, TypeAlias, TypedDict, Unpack

from . import twiml as twiml
from .twiml import TwiML as _TwiML

__version__: str
__all__ = [
    "AccountCalls",
    "AccountRecordings",
    "AuthenticationError",
    "Call",
    "CallBlockedError",
    "CampaignError",
    "ConfigError",
    "InvalidNumberError",
    "InvalidRequestError",
    "NotFoundError",
    "RateLimitError",
    "Record",
    "RequestValidator",
    "ServerError",
    "TwiMLException",
    "TwilioConnectionError",
    "TwilioError",
    "TwilioService",
    "UnexpectedResponseError",
    "twiml",
]

_T = TypeVar("_T")
_R = TypeVar("_R")

_StrPath: TypeAlias = str | os.PathLike[str]
_MachineDetection: TypeAlias = Literal["Enable", "DetectMessageEnd"]
_Missed: TypeAlias = Literal["skip", "run_once"]
# The statuses calls.list() filters by.
_CallStatus: TypeAlias = Literal[
    "queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"
]
_MediaFormat: TypeAlias = Literal["wav", "mp3"]
# A TwiML option of Call.play/gather/record/dial: None leaves it out, a list or tuple is
# written space-separated (input=["dtmf", "speech"]).
_Scalar: TypeAlias = str | int | float
_Option: TypeAlias = _Scalar | list[_Scalar] | tuple[_Scalar, ...] | None

# ---------------------------------------------------------------------------------------------
# Results

class Record(SimpleNamespace):
    """An event, a call or a report: fields as attributes (``ev.sid``) or keys (``ev["sid"]``).
    ``from`` is a keyword in Python, so it is also ``from_``. Nested objects are Records too."""

    def __init__(self, **fields: Any) -> None: ...
    def __getitem__(self, key: str) -> Any: ...
    def __contains__(self, key: object) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def to_dict(self) -> dict[str, Any]:
        """The fields as plain dicts and lists (without the ``from_`` alias)."""

# ---------------------------------------------------------------------------------------------
# Exceptions

class TwilioError(Exception):
    """Twilio refused the request, or could not be reached.

    ``code`` is Twilio's error code (21211, ...), ``status`` the HTTP status, ``more_info`` the
    page Twilio links for the code; each is None when it does not apply."""

    message: str
    code: int | None
    status: int | None
    more_info: str | None
    def __init__(
        self,
        message: str,
        code: int | None = None,
        status: int | None = None,
        more_info: str | None = None,
    ) -> None: ...

class AuthenticationError(TwilioError):
    """The credentials were refused (HTTP 401, code 20003)."""

class InvalidNumberError(TwilioError):
    """A phone number is not valid or not callable (21211, 21214, 21217, 21401, ...)."""

class CallBlockedError(TwilioError):
    """Twilio will not call there: geographic permissions or a blocked number (21215, 21216)."""

class InvalidRequestError(TwilioError):
    """Twilio (or the client, before sending) refused the request as malformed."""

class NotFoundError(TwilioError):
    """No such resource (HTTP 404, code 20404)."""

class RateLimitError(TwilioError):
    """Too many requests (HTTP 429, code 20429)."""

class ServerError(TwilioError):
    """Twilio failed (HTTP 5xx)."""

class TwilioConnectionError(TwilioError):
    """Twilio could not be reached. ``maybe_sent`` tells whether the request may have arrived."""

    maybe_sent: bool

class UnexpectedResponseError(TwilioError):
    """Twilio answered with a body that is not what its API describes."""

class CampaignError(TwilioError):
    """A campaign cannot do what was asked. ``kind`` names why (``already_running``, ...)."""

    kind: str | None

class ConfigError(TwilioError):
    """The configuration is not usable; the message lists every problem."""

class TwiMLException(Exception):
    """A TwiML document cannot be built that way (same name as the official library's)."""

# ---------------------------------------------------------------------------------------------
# Webhook signatures

@final
class RequestValidator:
    """The official library's ``twilio.request_validator.RequestValidator``, call for call."""

    def __new__(cls, token: str) -> Self: ...
    def compute_signature(
        self, uri: str, params: Mapping[str, str] | None, algorithm: str | None = None
    ) -> str:
        """base64(HMAC(token, uri + sorted names and values)); ``algorithm`` is
        ``HMAC_SHA1`` (the default) or ``HMAC_SHA256``."""
    def compute_hash(self, body: str) -> str:
        """The hex SHA-256 of a body, as ``bodySHA256`` carries it."""
    def get_values(self, param_dict: Mapping[str, Any], param_name: str) -> list[str]:
        """Flask's ``getall``, Django's ``getlist``, else ``[param_dict[param_name]]``."""
    def validate(
        self,
        uri: str,
        params: Mapping[str, str] | str | None,
        signature: str,
        algorithm: str | None = None,
    ) -> bool:
        """True when ``signature`` is Twilio's for this request: ``params`` is the form (a
        mapping) or, for JSON webhooks, the body as a string checked against ``bodySHA256``."""

# ---------------------------------------------------------------------------------------------
# The call a flow receives

@final
class Call:
    """The call a flow receives: ``say``, ``play`` and ``pause`` pile up; ``await
    call.gather()``, ``record()`` and ``dial()`` send them and wait for the caller."""

    @property
    def sid(self) -> str: ...
    @property
    def to(self) -> str: ...
    @property
    def from_(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def flow(self) -> str: ...
    @property
    def agent(self) -> str | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def campaign(self) -> str | None: ...
    @property
    def answered_by(self) -> str | None: ...
    @property
    def vars(self) -> dict[str, str]:
        """The contact's variables (CSV columns, ``vars=`` of ``initiate_call``); a copy."""
    def say(
        self,
        text: str,
        *,
        emotion: str | None = None,
        effects: str | list[str] | None = None,
        agent: str | None = None,
        voice: str | None = None,
    ) -> None:
        """Speaks ``text`` in the call's voice (or ``agent``/``voice``), with an emotion and
        effects."""
    def play(self, url: str, **kwargs: _Option) -> None:
        """``<Play>``: keyword arguments as the official library's ``play()``."""
    def pause(self, length: int = 1) -> None: ...
    def gather(self, *, prompt: str | None = None, **kwargs: _Option) -> Awaitable[Record]:
        """Asks and waits: ``await call.gather(input="dtmf speech", num_digits=1, prompt=...)``.
        The result has ``digits``, ``speech``, ``confidence`` and ``timed_out``."""
    def record(self, **kwargs: _Option) -> Awaitable[Record]:
        """Records the caller: ``await call.record(max_length=30)``. The result has ``url``,
        ``sid``, ``duration`` and ``digits``."""
    def dial(self, number: str, **kwargs: _Option) -> Awaitable[Record]:
        """Connects the caller to ``number`` and waits for that leg to end. The result has
        ``status``, ``sid`` and ``duration``."""
    def hangup(self) -> None: ...
    def opt_out(self) -> bool:
        """The other party asked not to be called again; true when newly added."""

# ---------------------------------------------------------------------------------------------
# The account's calls and recordings (twilio.calls, twilio.recordings)

@final
class AccountCalls:
    """``twilio.calls``: the account's calls. Each method gives an awaitable of Twilio's call
    resource as a Record (``sid``, ``status``, ``to``, ``from_``, ``start_time``, ...).
    A malformed SID raises InvalidRequestError, an unknown one NotFoundError."""

    def get(self, sid: str) -> Awaitable[Record]:
        """The call ``sid`` as Twilio has it now."""
    def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: _CallStatus | None = None,
        limit: int | None = None,
    ) -> Awaitable[list[Record]]:
        """The account's calls, newest first, filtered by ``to``, ``from_`` and ``status``;
        at most ``limit`` (default 50)."""
    def hangup(self, sid: str) -> Awaitable[Record]:
        """Ends the call ``sid``; gives the call as Twilio has it then."""
    @overload
    def redirect(self, sid: str, *, twiml: str | _TwiML) -> Awaitable[Record]:
        """Gives the live call ``sid`` new TwiML (a string or a ``VoiceResponse``)."""
    @overload
    def redirect(self, sid: str, *, url: str) -> Awaitable[Record]:
        """Makes the live call ``sid`` fetch its TwiML from ``url``."""

@final
class AccountRecordings:
    """``twilio.recordings``: the account's recordings, each a Record (``sid``, ``call_sid``,
    ``duration``, ``date_created``, ...). A malformed SID raises InvalidRequestError, an unknown
    one NotFoundError."""

    def list(
        self, *, call_sid: str | None = None, limit: int | None = None
    ) -> Awaitable[list[Record]]:
        """The account's recordings (only ``call_sid``'s with it), newest first; at most
        ``limit`` (default 50)."""
    def get(self, sid: str) -> Awaitable[Record]:
        """The recording ``sid``."""
    def delete(self, sid: str) -> Awaitable[bool]:
        """Deletes the recording ``sid``; gives True."""
    def download(
        self, sid: str, path: _StrPath, format: _MediaFormat | None = None
    ) -> Awaitable[int]:
        """Streams the recording's media to ``path`` (which appears only when complete) and
        gives the bytes written. Without ``format``, a ``.mp3`` file name asks for mp3, any
        other for wav."""

# ---------------------------------------------------------------------------------------------
# The service

@final
class _Registration(Generic[_T]):
    """A decorator that registers what it decorates; the function gets one argument (``_T``)
    and may be ``async``."""

    def __call__(self, func: Callable[[_T], _R], /) -> Callable[[_T], _R]: ...

class _RetryRule(TypedDict):
    after: str
    """``"10m"``, ``"1h 30m"``."""
    max: int

# Keys as in Lua's campaign.define. ``from`` is a Python keyword, and define_campaign does not
# take ``from_``: pass the caller ID as ``**{"from": "+1..."}``.
_CampaignSpec = TypedDict(
    "_CampaignSpec",
    {
        # A CSV file (columns to, name, timezone; any other becomes a variable) or rows.
        "contacts": Required[str | list[dict[str, Any]] | tuple[dict[str, Any], ...]],
        "agent": str | None,
        "flow": str | None,
        "message": str | None,
        "from": str | None,
        "cps": float | None,
        "max_concurrent": int | None,
        # Outcome (busy, no-answer, failed, canceled, machine, refused) -> rule.
        "retry": dict[str, _RetryRule] | None,
        "calling_hours": str | None,
        "machine_detection": _MachineDetection | None,
        "timeout": int | None,
        "time_limit": int | None,
    },
    total=False,
)

@final
class TwilioService:
    """The Python API of the runtime. Inside ``projectx run`` each script gets one bound to
    the runtime (the global ``twilio``); in ordinary Python, ``TwilioService(...)`` starts a
    runtime of its own, against real Twilio or the built-in simulator (``simulate=True``)."""

    def __new__(
        cls,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        *,
        simulate: bool = False,
        config: _StrPath | None = None,
        base_url: str | None = None,
    ) -> Self: ...
    @staticmethod
    def from_config(path: _StrPath) -> TwilioService:
        """A runtime configured by ``path`` (a ``projectx.yaml``)."""
    def on(self, event: str) -> _Registration[Record]:
        """Registers the decorated function for ``event`` (``"call.status"``,
        ``"call.ended"``, ...); it gets the event as a Record."""
    def flow(self, name: str) -> _Registration[Call]:
        """Registers the decorated function (usually ``async def``) as the flow ``name``."""
    def cron(
        self, expr: str, *, tz: str | None = None, name: str | None = None, missed: _Missed = "skip"
    ) -> _Registration[Record]:
        """Runs the decorated function on a cron schedule (5 fields, or 6 with seconds); it
        gets a Record with ``name``, ``file``, ``generation`` and ``at``."""
    def every(
        self,
        interval: str | float | datetime.timedelta,
        *,
        name: str | None = None,
        missed: _Missed = "skip",
    ) -> _Registration[Record]:
        """Runs the decorated function every ``interval`` (``"10m"``, ``"1h30m"``, seconds, or
        a ``datetime.timedelta``)."""
    def initiate_call(
        self,
        *,
        to: str,
        from_: str | None = None,
        agent: str | None = None,
        message: str | None = None,
        flow: str | None = None,
        campaign: str | None = None,
        vars: dict[str, str] | None = None,
        timeout: int | None = None,
        time_limit: int | None = None,
        machine_detection: _MachineDetection | None = None,
        record: bool | None = None,
    ) -> Awaitable[Record]:
        """Places a call that speaks ``message`` in ``agent``'s voice, or runs ``flow``; gives
        Twilio's call resource."""
    @overload
    def make_call(
        self,
        *,
        to: str,
        twiml: str | _TwiML,
        from_: str | None = None,
        agent: str | None = None,
        campaign: str | None = None,
        timeout: int | None = None,
        time_limit: int | None = None,
        machine_detection: _MachineDetection | None = None,
        record: bool | None = None,
    ) -> Awaitable[Record]:
        """Places a call that runs ``twiml`` (a string or a ``VoiceResponse``)."""
    @overload
    def make_call(
        self,
        *,
        to: str,
        url: str,
        from_: str | None = None,
        agent: str | None = None,
        campaign: str | None = None,
        timeout: int | None = None,
        time_limit: int | None = None,
        machine_detection: _MachineDetection | None = None,
        record: bool | None = None,
    ) -> Awaitable[Record]:
        """Places a call that fetches its TwiML from ``url``."""
    def define_campaign(self, name: str, **spec: Unpack[_CampaignSpec]) -> None:
        """Adds or updates a campaign. Blocks until stored, so it cannot run on the event loop."""
    def start_campaign(self, name: str) -> Awaitable[bool]: ...
    def pause_campaign(self, name: str) -> Awaitable[bool]: ...
    def resume_campaign(self, name: str) -> Awaitable[bool]: ...
    def stop_campaign(self, name: str) -> Awaitable[bool]: ...
    def wait_campaign(self, name: str) -> Awaitable[Record]:
        """Waits until the campaign has dialled everyone it will; gives its report."""
    def campaign_status(self, name: str) -> Awaitable[Record]: ...
    def campaign_report(self, name: str) -> Awaitable[Record]: ...
    @property
    def calls(self) -> AccountCalls:
        """The account's calls: ``await twilio.calls.get(sid)``, ``.list(...)``,
        ``.hangup(sid)``, ``.redirect(sid, twiml=...)``."""
    @property
    def recordings(self) -> AccountRecordings:
        """The account's recordings: ``await twilio.recordings.list(call_sid=...)``,
        ``.get(sid)``, ``.delete(sid)``, ``.download(sid, path)``."""
    def validate_request(
        self, url: str, params: Mapping[str, str] | None, signature: str
    ) -> bool:
        """True when ``signature`` (the ``X-Twilio-Signature`` header) is Twilio's, made with
        the account's auth token, for ``url`` exactly as Twilio requested it (the URL with or
        without its default port) and the form ``params``."""
    @property
    def simulated(self) -> bool:
        """True when running against the built-in simulator."""
    def close(self) -> None:
        """Stops the runtime this service started (ordinary Python); scripts' services do
        nothing."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> Literal[False]: ...
