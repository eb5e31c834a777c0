"""``manage.py check --deploy`` is clean with production settings."""

from __future__ import annotations

import os
import subprocess
import sys


def production_environment(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SAFETRAIL_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "safetrail.settings",
            "DEBUG": "false",
            "SECRET_KEY": "a-production-secret-" + "x9Q2" * 16,
            "ALLOWED_HOSTS": "safetrail.example",
            "SAFETRAIL_DATA_DIR": str(tmp_path),
            # Checked as configuration only: nothing connects to it.
            "SAFETRAIL_REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    if "SAFETRAIL_SUPPORT_SERVICES_FILE" in os.environ:
        env["SAFETRAIL_SUPPORT_SERVICES_FILE"] = os.environ["SAFETRAIL_SUPPORT_SERVICES_FILE"]
    return env


def test_deploy_check_is_clean(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_secure(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.SECURE_REFERRER_POLICY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.split() == ["False", "True", "True", "True", "True", "same-origin"]


def test_generated_secret_key_is_private_and_stable(tmp_path):
    from safetrail.env import secret_key

    first = secret_key(tmp_path)
    second = secret_key(tmp_path)

    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_deploy_check_warns_when_secret_key_was_generated(tmp_path):
    env = production_environment(tmp_path)
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "safetrail.W001" in result.stdout + result.stderr


def test_deploy_check_warns_when_street_safe_limits_are_per_process(tmp_path):
    env = production_environment(tmp_path)
    del env["SAFETRAIL_REDIS_URL"]

    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "streetsafe.W001" in result.stdout + result.stderr
