"""Downloading files safely: MD5-checked and written atomically.

``download_url(url, path, md5)`` streams into a temporary file next to
``path``, checks the announced length (a dropped connection is an error, not a
short file) and the MD5 checksum, and only then renames the temporary file to
``path`` (``os.replace`` is atomic): on any failure nothing is left at
``path`` and the temporary file is removed. ``download_from_mirrors`` tries
each mirror in turn and reports every failure if none works.
"""
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request

CHUNK = 1 << 16


def md5sum(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def download_url(url, path, md5=None, timeout=30.0):
    """Fetch ``url`` into ``path``; raises ``RuntimeError`` (and leaves nothing
    behind) on a network error, a short body or a checksum mismatch."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".part", dir=folder)
    try:
        h, size = hashlib.md5(), 0
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                announced = resp.headers.get("Content-Length")
                while True:
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    h.update(block)
                    size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if announced is not None and size != int(announced):
            raise RuntimeError(f"download of {url} was cut short: got {size} of {announced} bytes")
        if md5 is not None and h.hexdigest() != md5:
            raise RuntimeError(f"MD5 mismatch for {url}: expected {md5}, got {h.hexdigest()}")
        os.replace(tmp, path)
    except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as e:
        raise RuntimeError(f"cannot download {url}: {e}") from e
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def download_from_mirrors(mirrors, filename, folder, md5=None, timeout=30.0):
    """Fetch ``filename`` from the first mirror that serves it intact."""
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            return download_url(url, os.path.join(folder, filename), md5, timeout)
        except RuntimeError as e:
            errors.append(str(e))
    raise RuntimeError(f"could not download {filename} from any mirror:\n  " + "\n  ".join(errors))
