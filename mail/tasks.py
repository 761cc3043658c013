"""Scheduled e-mail fetching (Celery beat runs it; `manage.py fetch_email` is the same)."""

from __future__ import annotations

from celery import shared_task

from mail.fetching import fetch_all


@shared_task(ignore_result=True)
def fetch_email() -> int:
    """Poll every active IMAP mailbox once; idempotent, so an overlapping run handles nothing twice."""
    return sum(len(report.handled) for report in fetch_all())
