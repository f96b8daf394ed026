"""Background tasks for accounts, run by `mindhaven worker`."""

import logging
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from mindhaven.accounts.models import EXPORT_LIFETIME, AccessToken, ExportJob, User
from mindhaven.accounts.services import ErasureRefused, erase_account
from mindhaven.core.export import build_export

logger = logging.getLogger("mindhaven.accounts")

# Expired tokens stay listed for a while, so that a person can see why a client
# stopped working; after that they are only clutter.
EXPIRED_TOKEN_RETENTION = timedelta(days=30)


@task()
def purge_expired_tokens() -> int:
    """Delete access tokens that expired more than 30 days ago; returns how many."""
    cutoff = timezone.now() - EXPIRED_TOKEN_RETENTION
    _total, per_model = AccessToken.objects.filter(expires_at__lt=cutoff).delete()
    return per_model.get(AccessToken._meta.label, 0)


# --- export -----------------------------------------------------------------------


def exports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "exports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


@task()
def build_export_file(job_code: str) -> str:
    """Build the zip of an ExportJob into DATA_DIR/exports; returns the job's status.

    Progress (0 to 100) is written as each app's part is done, for the page to poll.
    """
    purge_expired_exports.call()
    job = ExportJob.objects.select_related("user").filter(code=job_code).first()
    if job is None or job.status != ExportJob.Status.QUEUED:
        return job.status if job is not None else "missing"
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=1)

    def progress(done: int, total: int) -> None:
        # Never 100 before the file is written: 100 means ready.
        percent = max(1, min(99, done * 100 // max(total, 1)))
        ExportJob.objects.filter(pk=job.pk).update(progress=percent)

    name = f"{secrets.token_hex(16)}.zip"
    path = exports_dir() / name
    try:
        data = build_export(job.user, progress=progress)
        partial = path.with_suffix(".part")
        with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)
        partial.replace(path)
    except Exception:
        logger.exception("export %s failed", job.code)
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, finished_at=timezone.now()
        )
        return ExportJob.Status.FAILED
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.READY,
        progress=100,
        file_name=name,
        finished_at=now,
        expires_at=now + EXPORT_LIFETIME,
    )
    return ExportJob.Status.READY


@task()
def purge_expired_exports() -> int:
    """Delete export jobs (and their files) whose 24 hours are over; returns how many."""
    expired = list(ExportJob.objects.filter(expires_at__lte=timezone.now()))
    folder = Path(settings.DATA_DIR) / "exports"
    for job in expired:
        if job.file_name:
            (folder / job.file_name).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


# --- retention --------------------------------------------------------------------

# The warning goes out this long before an inactive account is due for deletion,
RETENTION_WARNING_AHEAD = timedelta(days=14)
# and an account is deleted no sooner than this after its warning.
RETENTION_GRACE = timedelta(days=7)


def _last_seen() -> Coalesce:
    return Coalesce("last_login", "date_joined")


def _send_retention_warning(user: User, *, deletion_on: datetime) -> None:
    site = settings.SITE_URL.rstrip("/")
    with translation.override(user.locale):
        subject = gettext("Your Mindhaven account will be deleted if you do not sign in")
        body = gettext(
            "Hello %(name)s,\n\n"
            "You have not signed in to Mindhaven for a long time. This server deletes "
            "accounts that nobody uses, to keep as little personal data as it can.\n\n"
            "If you do nothing, your account and everything in it will be deleted on or "
            "after %(date)s.\n\n"
            "To keep your account, just sign in: %(login)s\n\n"
            "To keep a copy of your data first, download it here: %(export)s\n\n"
            "If you no longer need Mindhaven, you do not have to do anything.\n"
        ) % {
            "name": user.name,
            "date": formats.date_format(deletion_on, "DATE_FORMAT"),
            "login": site + reverse("account_login"),
            "export": site + reverse("accounts:export"),
        }
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@task()
def apply_retention() -> dict[str, int]:
    """Warn, then delete, accounts unused for longer than MINDHAVEN_RETENTION_DAYS.

    Nothing happens when the setting is 0 (the default). A member last seen (last
    sign-in, or joining) more than RETENTION_DAYS - 14 days ago gets one warning email;
    an account unused for more than RETENTION_DAYS days whose warning went out at least
    7 days ago is erased. Signing in clears the warning.
    """
    days = int(settings.RETENTION_DAYS)
    counts = {"warned": 0, "erased": 0, "kept": 0}
    if days <= 0:
        return counts
    now = timezone.now()
    period = timedelta(days=days)
    warn_after = max(period - RETENTION_WARNING_AHEAD, timedelta(0))
    users = User.objects.annotate(last_seen=_last_seen())

    for user in users.filter(last_seen__lt=now - warn_after, retention_warned_at__isnull=True):
        last_seen: datetime = user.last_seen
        deletion_on = max(last_seen + period, now + RETENTION_GRACE)
        if user.email:
            _send_retention_warning(user, deletion_on=deletion_on)
        User.objects.filter(pk=user.pk).update(retention_warned_at=now)
        counts["warned"] += 1

    due = users.filter(last_seen__lt=now - period, retention_warned_at__lte=now - RETENTION_GRACE)
    for user in due:
        try:
            erase_account(user=user)
        except ErasureRefused:
            logger.warning("retention: kept %s, the last administrator", user.code)
            counts["kept"] += 1
        else:
            logger.info("retention: erased inactive account %s", user.code)
            counts["erased"] += 1
    return counts
