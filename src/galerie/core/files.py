"""Where uploaded files go: public media (product pictures, logos) or the private storage.

The private storage holds what must never have a public URL (sellers' identity documents,
uploaded offer files); only views that check who asks serve it.
"""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """Return the private storage (``STORAGES["private"]``), resolved when first used."""
    return storages["private"]
