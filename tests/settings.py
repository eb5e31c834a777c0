"""Settings for the test suite: Safetrail's own, with a throwaway data dir.

The environment is set before ``safetrail.settings`` is read, exactly as an
operator would set it; nothing else differs from production.
"""

import os
import tempfile

os.environ["SAFETRAIL_HTTPS"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
os.environ.setdefault("SAFETRAIL_DATA_DIR", tempfile.mkdtemp(prefix="safetrail-test-"))

from safetrail.settings import *  # noqa: F403
from safetrail.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database of our own, created and dropped by the run, so parallel runs
    # on one server never meet.
    DATABASES["default"]["TEST"] = {"NAME": f"safetrail_test_{os.getpid()}"}
