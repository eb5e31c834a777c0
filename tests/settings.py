"""Settings for the test suite: Safetrail's own, with a throwaway data dir.

The environment is set before ``safetrail.settings`` is read, exactly as an
operator would set it. After that only what keeps the suite fast or lets it
look inside differs (see the end of this file).
"""

import atexit
import os
import shutil
import tempfile

os.environ["SAFETRAIL_HTTPS"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
if "SAFETRAIL_DATA_DIR" not in os.environ:
    # Made by the first process; parallel workers inherit it through the environment.
    os.environ["SAFETRAIL_DATA_DIR"] = tempfile.mkdtemp(prefix="safetrail-test-")
    atexit.register(shutil.rmtree, os.environ["SAFETRAIL_DATA_DIR"], ignore_errors=True)

from safetrail.settings import *  # noqa: F403
from safetrail.settings import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.vaultprobe"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a test can read the raw database bytes.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(os.environ["SAFETRAIL_DATA_DIR"], "test.sqlite3")
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database of our own, created and dropped by the run, so parallel runs
    # on one server never meet.
    DATABASES["default"]["TEST"] = {"NAME": f"safetrail_test_{os.getpid()}"}

# Cheap key derivation and password hashing keep the suite fast. The costs are
# stored with every wrapped key, so production parameters are tested the same
# way (see tests/vault/); tests/test_deploy_check.py checks the real defaults.
SAFETRAIL_KDF_MEMORY_KIB = 8
SAFETRAIL_KDF_PASSES = 1
SAFETRAIL_KDF_LANES = 1
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
