"""projectx_twilio: call automation on Twilio from Python.

The same classes run inside ``projectx run`` (where each ``.py`` script gets a ``twilio``
bound to the runtime) and in ordinary Python::

    from projectx_twilio import TwilioService
    twilio = TwilioService(simulate=True)   # the built-in Twilio simulator: offline and free

``projectx_twilio.twiml.VoiceResponse`` and ``projectx_twilio.RequestValidator`` are drop-in
replacements for the official helper library's.
"""

from . import _native
from ._native import *  # noqa: F401,F403
from ._native import twiml  # noqa: F401

__version__ = _native.__version__
__all__ = [name for name in dir(_native) if not name.startswith("_")]
