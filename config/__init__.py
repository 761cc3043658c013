"""The base layer. Loading it loads the Celery app, so `@shared_task`s bind to it everywhere."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
