"""The SMTP server of the sending tests: aiosmtpd (Debian's
python3-aiosmtpd), which lives in the system Python, and that may not be
the python3 first on PATH."""

import os
import sys


def controller_class():
    """aiosmtpd's Controller. When this Python lacks aiosmtpd the test
    starts again under /usr/bin/python3 (never returns); None when that
    is this Python already (the test's setup reports it)."""
    try:
        from aiosmtpd.controller import Controller
        return Controller
    except ImportError:
        system = "/usr/bin/python3"
        if (os.path.exists(system) and
                os.path.realpath(sys.executable) != os.path.realpath(system)):
            os.execv(system, [system] + sys.argv)
        return None
