"""Two-step sign-in with an authenticator app (TOTP) and one-time backup codes.

No text messages: the person following the user may control their phone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from io import BytesIO

import pyotp
import qrcode
import qrcode.image.svg

from safetrail.vault.recovery import ALPHABET

BACKUP_CODE_COUNT = 10
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_label: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_label, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An SVG image of the set-up code, drawn here: no request leaves the site."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Inline in HTML: drop the XML declaration, keep the <svg> element.
    return svg[svg.index("<svg") :]


def matching_step(secret: str, code: str, after_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to (one step of clock drift allowed), or None.

    A code whose step is not later than ``after_step`` was used already (or is
    older than one that was): refusing it stops a watched code being replayed.
    """
    code = "".join(ch for ch in code if ch in "0123456789")
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_backup_codes() -> list[str]:
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_backup_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def hash_backup_code(user_id: int, code: str) -> str:
    # 80 random bits per code: a plain hash is enough to make guessing useless.
    return hashlib.sha256(f"{user_id}:{normalise_backup_code(code)}".encode()).hexdigest()
