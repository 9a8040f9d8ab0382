"""Shared bits of the differential tests of ``projectx_twilio`` against ``twilio==9.13.0``.

* ``OFFICIAL`` and ``PROJECTX``: namespaces holding the TwiML classes of each library
  (``VoiceResponse``, ``Say``, ..., ``GenericNode``, ``TwiMLException``), so one recipe can be
  replayed against either.
* ``outcome_detail(fn)``: ``("ok", value)`` or ``("raise", "ExceptionType: message")``, with
  both libraries' ``TwiMLException`` named alike.
"""

from __future__ import annotations

import importlib
import time
import types


def _import_projectx():
    # Other people rebuild the installed package from time to time; a rebuild can make the
    # import fail for a moment.
    last = None
    for _ in range(5):
        try:
            return importlib.import_module("projectx_twilio"), importlib.import_module(
                "projectx_twilio.twiml"
            )
        except ImportError as error:  # pragma: no cover - only while a rebuild is running
            last = error
            time.sleep(2)
    raise last


projectx_twilio, projectx_twiml = _import_projectx()

import twilio  # noqa: E402
import twilio.twiml as official_twiml  # noqa: E402
import twilio.twiml.voice_response as official_voice  # noqa: E402

assert twilio.__version__ == "9.13.0", twilio.__version__


def _official_namespace():
    names = {k: v for k, v in vars(official_voice).items() if not k.startswith("__")}
    names["GenericNode"] = official_twiml.GenericNode
    names["TwiML"] = official_twiml.TwiML
    names["TwiMLException"] = official_twiml.TwiMLException
    return types.SimpleNamespace(__name__="twilio.twiml.voice_response", **names)


OFFICIAL = _official_namespace()
PROJECTX = projectx_twiml


def exception_name(error):
    """The type name of an exception. Each library's own TwiMLException is "TwiMLException";
    any other class that happens to have that name is not."""
    if isinstance(error, (official_twiml.TwiMLException, projectx_twiml.TwiMLException)):
        return "TwiMLException"
    name = type(error).__name__
    return name + "(foreign class)" if name == "TwiMLException" else name


def outcome_detail(fn, *args, **kwargs):
    """``("ok", result)`` or ``("raise", "ExceptionType: message")``."""
    try:
        return ("ok", fn(*args, **kwargs))
    except AssertionError:
        raise
    except Exception as error:  # noqa: BLE001 - every exception is part of the outcome
        return ("raise", "%s: %s" % (exception_name(error), error))


def same_outcome(official, projectx):
    """Equal results, or exceptions of the same type (messages may differ)."""
    if official[0] == "raise" or projectx[0] == "raise":
        return (
            official[0] == projectx[0]
            and official[1].split(":", 1)[0] == projectx[1].split(":", 1)[0]
        )
    return official == projectx
