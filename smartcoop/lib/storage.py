"""Where rendered documents live: STORAGES["documents"], a private location
(never served as media) that production may point at S3. A callable, so the
models and their migrations resolve the storage when used, not when imported."""

from django.core.files.storage import Storage, storages


def documents_storage() -> Storage:
    return storages["documents"]
