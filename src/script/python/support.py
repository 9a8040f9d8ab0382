"""The Python half of projectx_twilio, compiled into the runtime: the exception hierarchy, the
TwiML classes (made from the runtime's copy of the official library's vocabulary), and the one
asyncio loop thread that async handlers and flows run on, with a watchdog that reports code
blocking it."""

import asyncio
import contextvars
import sys
import types
import threading
import time
import traceback


class TwilioError(Exception):
    """Twilio refused the request, or could not be reached.

    ``code`` is Twilio's error code (21211, ...), ``status`` the HTTP status, ``more_info`` the
    page Twilio links for the code; each is None when it does not apply."""

    def __init__(self, message, code=None, status=None, more_info=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.more_info = more_info

    def __str__(self):
        return self.message

    def __repr__(self):
        return "%s(%r, code=%r, status=%r)" % (
            type(self).__name__,
            self.message,
            self.code,
            self.status,
        )


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

    maybe_sent = False


class UnexpectedResponseError(TwilioError):
    """Twilio answered with a body that is not what its API describes."""


class CampaignError(TwilioError):
    """A campaign cannot do what was asked. ``kind`` names why (``already_running``, ...)."""

    kind = None


class ConfigError(TwilioError):
    """The configuration is not usable; the message lists every problem."""


class TwiMLException(Exception):
    """A TwiML document cannot be built that way (same name as the official library's)."""


EXCEPTIONS = [
    TwilioError,
    AuthenticationError,
    InvalidNumberError,
    CallBlockedError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TwilioConnectionError,
    UnexpectedResponseError,
    CampaignError,
    ConfigError,
    TwiMLException,
]


class Record(types.SimpleNamespace):
    """An event, a call or a report: fields as attributes (``ev.sid``) or keys (``ev["sid"]``).
    ``from`` is a keyword in Python, so it is also ``from_``."""

    def __init__(self, **fields):
        super().__init__(**fields)
        if "from" in fields:
            self.__dict__["from_"] = fields["from"]

    def __getitem__(self, key):
        try:
            return self.__dict__[key]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key):
        return key in self.__dict__

    def get(self, key, default=None):
        return self.__dict__.get(key, default)

    def to_dict(self):
        def plain(value):
            if isinstance(value, Record):
                return value.to_dict()
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {k: plain(v) for k, v in self.__dict__.items() if k != "from_"}


def _builder(method):
    def build(self, *args, **kwargs):
        return self._build(method, args, kwargs)

    build.__name__ = method
    return build


def _twiml_class(name, methods, base, module):
    def __init__(self, *args, **kwargs):
        self._init(name, args, kwargs)

    namespace = {"__init__": __init__, "__module__": module, "__qualname__": name}
    for method in methods:
        namespace[method] = _builder(method)
        namespace[method].__qualname__ = name + "." + method
    __init__.__qualname__ = name + ".__init__"
    return type(name, (base,), namespace)


def install_twiml(module, base, classes):
    """Makes one subclass of the native node per class of the official library, with its
    builder methods."""
    made = {}
    for name, methods in classes:
        cls = _twiml_class(name, methods, base, module.__name__)
        setattr(module, name, cls)
        made[name] = cls

    def generic_init(self, name, value, **kwargs):
        self._init_generic(name, value, kwargs)

    generic = type(
        "GenericNode",
        (base,),
        {"__init__": generic_init, "__module__": module.__name__, "__qualname__": "GenericNode"},
    )
    module.GenericNode = generic
    made["GenericNode"] = generic
    module.TwiMLException = TwiMLException
    module.__all__ = ["TwiML", "TwiMLException"] + sorted(made)
    return made


class LoopThread:
    """One asyncio loop on its own thread, shared by every async handler and flow."""

    def __init__(self, report_blocked, threshold=1.0):
        self.loop = asyncio.new_event_loop()
        self.report_blocked = report_blocked
        self.threshold = threshold
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="projectx-asyncio", daemon=True)
        self.thread.start()
        self.ready.wait()
        self.watchdog = threading.Thread(
            target=self._watch, name="projectx-asyncio-watchdog", daemon=True
        )
        self.watchdog.start()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self.ready.set)
        self.loop.run_forever()

    def _watch(self):
        # A beat the loop must answer within the threshold; when it does not, something on
        # the loop is blocking it (time.sleep, a synchronous HTTP call, a busy loop).
        while True:
            beat = threading.Event()
            try:
                self.loop.call_soon_threadsafe(beat.set)
            except RuntimeError:
                return
            if not beat.wait(self.threshold):
                frame = sys._current_frames().get(self.thread.ident)
                stack = "".join(traceback.format_stack(frame)) if frame is not None else ""
                self.report_blocked(self.threshold, stack)
                beat.wait()
            time.sleep(self.threshold / 4)


def format_exception(error, tb=None):
    """The traceback of an exception, as Python prints it."""
    tb = tb if tb is not None else error.__traceback__
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


# The call a handler or flow is about, for the log lines it writes: a context variable, so
# each asyncio task (each async handler or flow) and each thread sees its own.
_call_context = contextvars.ContextVar("projectx_call", default=None)


async def _keeping_call(fields, awaitable):
    _call_context.set(fields)
    return await awaitable


def call_with_context(fields, func, argument):
    """func(argument) with the call's fields current; a coroutine it returns keeps them."""
    token = _call_context.set(fields)
    try:
        result = func(argument)
    finally:
        _call_context.reset(token)
    if fields is not None and hasattr(result, "__await__"):
        return _keeping_call(fields, result)
    return result


def install_logging(emit):
    """Routes the root logger into the runtime's log (once); RUST_LOG filters it there.
    `logging` is imported here, not at import: ordinary Python keeps its own logging setup."""
    import logging

    class TracingHandler(logging.Handler):
        """Hands `logging` records to the runtime's log, with the call they are about."""

        def emit(self, record):
            try:
                fields = _call_context.get() or {}
                emit(
                    record.levelno,
                    record.name,
                    self.format(record),
                    record.pathname,
                    record.lineno,
                    fields.get("call_sid"),
                    fields.get("campaign"),
                )
            except Exception:
                self.handleError(record)

    root = logging.getLogger()
    if not any(type(h).__name__ == "TracingHandler" for h in root.handlers):
        root.addHandler(TracingHandler())
        root.setLevel(logging.DEBUG)


def deliver(future, ok, value):
    """Resolves a future the runtime made, unless its awaiter gave up on it (cancelled)."""
    if not future.done():
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
