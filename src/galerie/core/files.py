"""Where uploaded files go: public media (product pictures, logos) or the private storage.

The private storage holds what must never have a public URL (sellers' identity documents,
uploaded offer files); only views that check who asks serve it.
"""

import re

from django.core.files.storage import FileSystemStorage, Storage, storages

# A stored name that filepath_to_uri() leaves as it is and urljoin() appends as it is: plain
# path segments, none of them empty, "." or "..".
_PLAIN_NAME = re.compile(r"(?!\.\.?(?:/|$))[A-Za-z0-9_.-]+(?:/(?!\.\.?(?:/|$))[A-Za-z0-9_.-]+)*")


def private_storage() -> Storage:
    """Return the private storage (``STORAGES["private"]``), resolved when first used."""
    return storages["private"]


class MediaStorage(FileSystemStorage):
    """The public media storage: a FileSystemStorage whose ``url()`` skips the quoting and
    joining for the names Galerie writes (``products/ab/<uuid>/name.jpg``), which they leave
    unchanged; a listing builds a few dozen image URLs per page. Other names go the usual way."""

    def url(self, name: str | None) -> str:
        base = self.base_url
        if name and base and base.endswith("/") and _PLAIN_NAME.fullmatch(name):
            return base + name
        return super().url(name)
