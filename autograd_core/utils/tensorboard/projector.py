"""``add_embedding``: the files of TensorBoard's embedding projector.

For an (N, D) matrix, in ``log_dir/<step, 5 digits>/<tag>/``:
``tensors.tsv`` (one row of D numbers per point, tab-separated),
``metadata.tsv`` (one label per point; several columns under a header line
with ``metadata_header``) and ``sprite.png`` (the N label images tiled in a
square of ceil(sqrt(N)) per row, for ``label_img`` of shape (N, C, H, W)).
``log_dir/projector_config.pbtxt`` (a text ``ProjectorConfig``) lists every
embedding of the run; an embedding written again with the same tag and step
replaces its entry.
"""
import math
import os
from urllib.parse import quote

import numpy as np
from google.protobuf import text_format
from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

from .images import grid, png, to_hwc
from .records import to_numpy

CONFIG = "projector_config.pbtxt"


def _cell(v):
    return str(v).replace("\t", " ").replace("\n", " ")


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _metadata_lines(metadata, n, header):
    rows = [to_numpy(m).tolist() if not isinstance(m, (str, list, tuple)) else m for m in metadata]
    if len(rows) != n:
        raise ValueError(f"add_embedding: {len(rows)} metadata rows for {n} points")
    if header is None:
        if any(isinstance(r, (list, tuple)) for r in rows):
            raise ValueError("add_embedding: metadata with several columns needs metadata_header")
        return [_cell(r) for r in rows]
    lines = ["\t".join(_cell(h) for h in header)]
    for r in rows:
        r = list(r) if isinstance(r, (list, tuple)) else [r]
        if len(r) != len(header):
            raise ValueError(f"add_embedding: a metadata row has {len(r)} columns, metadata_header {len(header)}")
        lines.append("\t".join(_cell(v) for v in r))
    return lines


def write_embedding(log_dir, mat, metadata=None, label_img=None, global_step=None, tag="default",
                    metadata_header=None):
    """Write the projector files of one embedding (module docstring); returns its folder."""
    m = to_numpy(mat, "mat")
    if m.ndim != 2:
        raise ValueError(f"add_embedding: mat must be 2-D (N, D), got shape {tuple(m.shape)}")
    n = m.shape[0]
    step = f"{0 if global_step is None else int(global_step):05d}"
    sub = f"{step}/{quote(str(tag), safe='')}"
    folder = os.path.join(log_dir, *sub.split("/"))
    os.makedirs(folder, exist_ok=True)
    _write(os.path.join(folder, "tensors.tsv"),
           "".join("\t".join(repr(float(v)) for v in row) + "\n" for row in m))
    info = EmbeddingInfo(tensor_name=f"{tag}:{step}", tensor_path=f"{sub}/tensors.tsv")
    if metadata is not None:
        _write(os.path.join(folder, "metadata.tsv"), "\n".join(_metadata_lines(metadata, n, metadata_header)) + "\n")
        info.metadata_path = f"{sub}/metadata.tsv"
    if label_img is not None:
        imgs = to_numpy(label_img, "label_img")
        if imgs.ndim != 4 or imgs.shape[0] != n:
            raise ValueError(f"add_embedding: label_img must be (N, C, H, W) with N = {n}, "
                             f"got shape {tuple(imgs.shape)}")
        tiles = np.stack([to_hwc(im, "CHW") for im in imgs])
        with open(os.path.join(folder, "sprite.png"), "wb") as f:
            f.write(png(grid(tiles, int(math.ceil(math.sqrt(n))))))
        info.sprite.image_path = f"{sub}/sprite.png"
        info.sprite.single_image_dim.extend([imgs.shape[3], imgs.shape[2]])
    config = ProjectorConfig()
    path = os.path.join(log_dir, CONFIG)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text_format.Parse(f.read(), config)
    kept = [e for e in config.embeddings if e.tensor_name != info.tensor_name]
    del config.embeddings[:]
    config.embeddings.extend(kept + [info])
    _write(path, text_format.MessageToString(config))
    return folder
