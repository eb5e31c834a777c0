"""``safetrail cleanup``: forget what is no longer needed. Run it daily."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand
from django.utils import timezone

from safetrail.accounts import throttle
from safetrail.accounts.models import SignInEvent, UserSession

# A person sees their recent sign-ins; older ones only pile up.
SIGN_IN_EVENTS_KEPT = 200


class Command(BaseCommand):
    help = (
        "Delete expired sessions, old sign-in slow-down counts, old sign-in history and "
        "uploads a crashed server left unfinished."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
        live = Session.objects.values("session_key")
        devices, _ = UserSession.objects.exclude(session_key__in=live).delete()
        counts = throttle.forget_old()
        events = 0
        for user_id in SignInEvent.objects.values_list("user_id", flat=True).distinct():
            keep = SignInEvent.objects.filter(user_id=user_id).values_list("id", flat=True)[
                :SIGN_IN_EVENTS_KEPT
            ]
            deleted, _ = (
                SignInEvent.objects.filter(user_id=user_id).exclude(id__in=list(keep)).delete()
            )
            events += deleted
        leftovers = sweep_unfinished_uploads()
        self.stdout.write(
            f"Deleted {sessions} expired sessions, {devices} device records, "
            f"{counts} old slow-down counts, {events} old sign-in records and "
            f"{leftovers} unfinished uploads."
        )


def sweep_unfinished_uploads(older_than: timedelta = timedelta(days=1)) -> int:
    """Removes temporary upload files a crashed worker left behind.

    They are encrypted under a key nobody kept, so they are only wasted space.
    """
    root = settings.DATA_DIR / "files"
    if not root.exists():
        return 0
    cutoff = (timezone.now() - older_than).timestamp()
    removed = 0
    for path in root.glob("*/.incoming-*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
