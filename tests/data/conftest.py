"""Fixtures of the data tests: small MNIST-like IDX files and an HTTP server
on 127.0.0.1 that serves them intact (/good/), altered (/bad/: the checksum
does not match) or cut short (/drop/: the connection closes mid-body)."""
import gzip
import hashlib
import http.server
import threading

import numpy as np
import pytest

from data.datasets.idx import idx_bytes

NAMES = {"train-images-idx3-ubyte": (12, 28, 28), "train-labels-idx1-ubyte": (12,),
         "t10k-images-idx3-ubyte": (5, 28, 28), "t10k-labels-idx1-ubyte": (5,)}


def make_arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {name: rng.integers(0, 256 if len(shape) == 3 else 10, shape).astype(np.uint8)
            for name, shape in NAMES.items()}


@pytest.fixture
def mnist_files():
    """{filename.gz: gzipped bytes}, the arrays, and [(filename.gz, md5)]."""
    arrays = make_arrays()
    files = {f"{name}.gz": gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}
    resources = [(name, hashlib.md5(raw).hexdigest()) for name, raw in files.items()]
    return files, arrays, resources


class Handler(http.server.BaseHTTPRequestHandler):
    files = {}
    hits = []

    def do_GET(self):
        self.hits.append(self.path)
        mode, _, name = self.path.strip("/").partition("/")
        body = self.files.get(name)
        if body is None:
            self.send_error(404)
            return
        if mode == "bad":
            body = body[:-1] + bytes([body[-1] ^ 1])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(mnist_files):
    """Base URL of a local server for the mnist_files; stopped after the test."""
    Handler.files, Handler.hits = mnist_files[0], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)
