"""The Celery application. Task defaults (acks late, reject on worker lost,
prefetch 1, short broker timeouts) live in settings under CELERY_*."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")

app = Celery("smartcoop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
