from django.core.files.storage import FileSystemStorage, default_storage
from hypothesis import given
from hypothesis import strategies as st

from galerie.core.files import MediaStorage

segment = st.text(alphabet="abcXYZ019_.-/~%é :?#", min_size=0, max_size=12)


@given(
    name=st.lists(segment, min_size=1, max_size=4).map("/".join),
    base=st.sampled_from(["/media/", "https://cdn.example/m/", "/m"]),
)
def test_url_is_filesystem_storages(name, base):
    # The shortcut for plain names gives what FileSystemStorage.url() gives, for every name.
    assert MediaStorage(base_url=base).url(name) == FileSystemStorage(base_url=base).url(name)


def test_product_pictures_take_the_shortcut():
    name = "products/3f/3fa85f6457174562b3fc2c963f66afa6/cover.thumb.jpg"
    assert isinstance(default_storage, MediaStorage)
    assert default_storage.url(name) == f"/media/{name}"
    assert MediaStorage(base_url="/media/").url("../etc/passwd") == FileSystemStorage(base_url="/media/").url(
        "../etc/passwd"
    )
