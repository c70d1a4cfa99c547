"""Images for ``add_image``, ``add_images``, ``add_figure`` and the projector's sprite.

``to_hwc(array, dataformats)`` puts an image in height × width × channels
order (``'CHW'``, ``'HWC'``, ``'HW'``; a batch ``'NCHW'``/``'NHWC'``/``'NHW'``
becomes one tile grid). Channels: 1 (grey), 3 (RGB) or 4 (RGBA). Values:
uint8 as they are, anything else is taken as [0, 1] and scaled by 255
(clipped), as PyTorch's ``SummaryWriter`` does. ``grid(batch, ncols)`` lays
N images of one size in rows of ``ncols`` (the last row padded with black),
``png(hwc)`` encodes with Pillow, and ``figure_rgba(fig)`` draws a matplotlib
figure on an Agg canvas.
"""
import io

import numpy as np

_LAYOUTS = ("CHW", "HWC", "HW", "NCHW", "NHWC", "NHW")


def _as_uint8(a):
    if a.dtype == np.uint8:
        return a
    return np.clip(np.rint(a.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def grid(nhwc, ncols=8):
    """N images (N, H, W, C) as one (rows·H, ncols·W, C) image, row by row."""
    n, h, w, c = nhwc.shape
    ncols = max(1, min(n, ncols))
    nrows = -(-n // ncols)
    canvas = np.zeros((nrows * h, ncols * w, c), dtype=nhwc.dtype)
    for k in range(n):
        r, q = divmod(k, ncols)
        canvas[r * h:(r + 1) * h, q * w:(q + 1) * w] = nhwc[k]
    return canvas


def to_hwc(a, dataformats):
    """``a`` in the layout ``dataformats`` as uint8 (H, W, C) (module docstring)."""
    fmt = str(dataformats).upper()
    if fmt not in _LAYOUTS:
        raise ValueError(f"dataformats must be one of {sorted(_LAYOUTS)}, got {dataformats!r}")
    if a.ndim != len(fmt):
        raise ValueError(f"an image in {fmt} layout must have {len(fmt)} dimensions, got shape {tuple(a.shape)}")
    if "C" not in fmt:
        a, fmt = a[..., None], fmt + "C"
    a = np.transpose(a, [fmt.index(d) for d in ("NHWC" if "N" in fmt else "HWC")])
    if a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"an image must have 1, 3 or 4 channels, got {a.shape[-1]} (shape {tuple(a.shape)} "
                         f"as {'NHWC' if 'N' in fmt else 'HWC'}); is dataformats right?")
    a = _as_uint8(a)
    return grid(a) if a.ndim == 4 else a


def png(hwc):
    """PNG bytes of a uint8 (H, W, C) image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(hwc[:, :, 0] if hwc.shape[2] == 1 else hwc).save(buf, format="PNG")
    return buf.getvalue()


def figure_rgba(figure, close=True):
    """A matplotlib figure drawn as a uint8 (H, W, 4) array; ``close`` closes it in pyplot."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError as e:
        raise ImportError("add_figure needs matplotlib: pip install matplotlib") from e
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba()).copy()
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return rgba
