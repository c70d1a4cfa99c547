"""download_url and download_from_mirrors against a server on 127.0.0.1:
checksums, dropped connections, atomic writes."""
import hashlib
import os

import pytest

from data.datasets.download import download_from_mirrors, download_url, md5sum

from .conftest import Handler

NAME = "t10k-labels-idx1-ubyte.gz"


def test_download_ok(server, mnist_files, tmp_path):
    files = mnist_files[0]
    md5 = hashlib.md5(files[NAME]).hexdigest()
    path = download_url(f"{server}/good/{NAME}", tmp_path / "sub" / NAME, md5)
    assert open(path, "rb").read() == files[NAME] and md5sum(path) == md5
    assert os.listdir(tmp_path / "sub") == [NAME]


def test_checksum_mismatch_leaves_nothing(server, mnist_files, tmp_path):
    md5 = hashlib.md5(mnist_files[0][NAME]).hexdigest()
    with pytest.raises(RuntimeError, match=f"MD5 mismatch for {server}/bad/{NAME}: expected {md5}"):
        download_url(f"{server}/bad/{NAME}", tmp_path / NAME, md5)
    assert os.listdir(tmp_path) == []


def test_dropped_connection_leaves_nothing(server, tmp_path):
    with pytest.raises(RuntimeError, match=f"download of {server}/drop/{NAME} was cut short: got"):
        download_url(f"{server}/drop/{NAME}", tmp_path / NAME)
    assert os.listdir(tmp_path) == []


def test_existing_file_kept_on_failure(server, tmp_path):
    (tmp_path / NAME).write_bytes(b"old")
    with pytest.raises(RuntimeError):
        download_url(f"{server}/drop/{NAME}", tmp_path / NAME)
    assert (tmp_path / NAME).read_bytes() == b"old"
    assert os.listdir(tmp_path) == [NAME]


def test_http_error(server, tmp_path):
    with pytest.raises(RuntimeError, match="404"):
        download_url(f"{server}/good/missing.gz", tmp_path / "missing.gz")
    assert os.listdir(tmp_path) == []


def test_mirrors_are_tried_in_turn(server, mnist_files, tmp_path):
    md5 = hashlib.md5(mnist_files[0][NAME]).hexdigest()
    mirrors = [f"{server}/drop/", f"{server}/bad", f"{server}/good/"]
    download_from_mirrors(mirrors, NAME, tmp_path, md5)
    assert Handler.hits == [f"/drop/{NAME}", f"/bad/{NAME}", f"/good/{NAME}"]
    assert md5sum(tmp_path / NAME) == md5
    pattern = "could not download .* from any mirror:\n .*drop.*\n .*MD5 mismatch"
    with pytest.raises(RuntimeError, match=pattern):
        download_from_mirrors(mirrors[:2], NAME, tmp_path / "other", md5)
    assert os.listdir(tmp_path / "other") == []
