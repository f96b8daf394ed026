"""Periodic jobs, run by `mindhaven worker` without cron.

Each app lists its jobs in a `schedule.py` module (`JOBS = [Job(...)]`); a job names
one of the project's management commands and how often it runs. The worker checks
every `TICK_SECONDS` and runs what is due. A run is claimed with one conditional UPDATE
on `ScheduledJob` (started before now - every, or never), so with several workers each
due job runs once; the commands themselves are idempotent as well (each claims its
own rows), so a run that overlaps a cron entry does no harm.
"""

from __future__ import annotations

import io
import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from mindhaven.core.models import ScheduledJob

logger = logging.getLogger("mindhaven.schedule")

TICK_SECONDS = 30.0


@dataclass(frozen=True)
class Job:
    command: str
    every: timedelta
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.every < timedelta(minutes=1):
            raise ValueError(f"{self.command}: a job runs at most once a minute")


def registered_jobs() -> list[Job]:
    """Every installed app's `schedule.JOBS`, in app order."""
    jobs: list[Job] = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.schedule")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.schedule":
                raise
            continue
        jobs.extend(getattr(module, "JOBS", []))
    names = [job.command for job in jobs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"jobs scheduled twice: {', '.join(duplicates)}")
    return jobs


def claim(job: Job, *, now: datetime) -> bool:
    """True when this caller may run `job` now (it was due, and nobody else claimed it)."""
    ScheduledJob.objects.get_or_create(name=job.command)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every)
    claimed = ScheduledJob.objects.filter(due, name=job.command).update(last_started_at=now)
    return claimed == 1


def run_command(name: str, *args: str) -> None:
    """Run a job's command; what it prints goes to the debug log, not the console (the
    worker shares the server's terminal under `make run`)."""
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    logger.debug("%s: %s", name, out.getvalue().strip())


def run_due(
    jobs: Iterable[Job] | None = None,
    *,
    now: datetime | None = None,
    runner: Callable[..., object] = run_command,
) -> list[str]:
    """Run every due job once; returns the commands that ran. A failing job is logged
    and recorded, and does not stop the others."""
    ran: list[str] = []
    for job in registered_jobs() if jobs is None else jobs:
        started = now or timezone.now()
        if not claim(job, now=started):
            continue
        error = ""
        try:
            runner(job.command, *job.args)
        except Exception:
            error = traceback.format_exc(limit=5)
            logger.exception("scheduled job %s failed", job.command)
        ScheduledJob.objects.filter(name=job.command).update(
            last_finished_at=timezone.now(), last_error=error
        )
        ran.append(job.command)
    return ran


class Scheduler(threading.Thread):
    """Runs `run_due` every tick until stopped; the worker starts one beside the queue."""

    def __init__(self, *, tick: float = TICK_SECONDS) -> None:
        super().__init__(name="mindhaven-scheduler", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()
            try:
                run_due()
            except Exception:
                logger.exception("the scheduler could not check its jobs")
            finally:
                close_old_connections()
            self.stopped.wait(self.tick)

    def stop(self) -> None:
        self.stopped.set()
