"""Transforms of one sample, with torchvision's names.

Images are numpy arrays laid out H x W or H x W x C (as read from a file) or
tensors laid out (..., C, H, W) (after ``ToTensor``):

* ``ToTensor()``: H x W or H x W x C array -> C x H x W tensor; uint8 is
  divided by 255 into float32 in [0, 1], other dtypes are kept;
* ``Normalize(mean, std)``: ``(x - mean[c]) / std[c]`` per channel c;
* ``Lambda(fn)``, ``Compose([...])``, ``Flatten()`` (the sample as 1-d);
* ``RandomHorizontalFlip(p)``: reverses the width axis with probability p;
* ``RandomCrop(size, padding)``: pads (zeros, or edge/reflect/symmetric), then
  cuts a size-sized window at a uniformly drawn position;
* ``RandomAffine(degrees, translate, scale, fill, interpolation)``: rotates,
  shifts and scales about the centre by random amounts (``data.affine``);
* ``GaussianNoise(std, mean)``: ``x + N(mean, std^2)``, the notes' augmentation
  ``X' = X + N(mu, sigma^2)``.

Random transforms draw from the global generator of ``autograd_core`` at call
time (``ag.manual_seed`` makes them reproducible; each ``DataLoader`` worker has
its own seed). Transforms work on the data and record no graph.
"""
import numbers

import numpy as np

from autograd_core.random import numpy_generator
from autograd_core.tensor import Tensor

from .affine import warp_affine


def _arr(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _like(x, arr):
    return Tensor(arr) if isinstance(x, Tensor) else arr


def _hw_axes(x):
    """(height axis, width axis): the last two of a tensor; 0, 1 of an H x W (x C) array."""
    if isinstance(x, Tensor):
        if x.ndim < 2:
            raise ValueError(f"expected a tensor (..., H, W), got shape {tuple(x.shape)}")
        return x.ndim - 2, x.ndim - 1
    if np.ndim(x) not in (2, 3):
        raise ValueError(f"expected an image array H x W or H x W x C, got shape {np.shape(x)}")
    return 0, 1


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t!r}\n" for t in self.transforms) + ")"


class ToTensor:
    """H x W or H x W x C numpy array -> C x H x W tensor (uint8 / 255 as float32)."""

    def __call__(self, pic):
        if isinstance(pic, Tensor) or not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: pic should be a numpy array, got {type(pic).__name__}")
        if pic.ndim == 2:
            pic = pic[None]
        elif pic.ndim == 3:
            pic = pic.transpose(2, 0, 1)
        else:
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional, got {pic.ndim} dimensions")
        if pic.dtype == np.uint8:
            out = pic.astype(np.float32)
            out /= np.float32(255)
            return Tensor(out)
        return Tensor(np.ascontiguousarray(pic))

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean) / std`` per channel of a float tensor (..., C, H, W)."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace
        if np.any(np.asarray(std) == 0):
            raise ValueError(f"std evaluated to zero, leading to division by zero: std={std}")
        self._cache = {}

    def _stats(self, dtype, channels):
        key = (dtype, channels)
        if key not in self._cache:
            mean = np.asarray(self.mean, dtype).reshape(-1, 1, 1)
            std = np.asarray(self.std, dtype).reshape(-1, 1, 1)
            if mean.shape[0] not in (1, channels) or std.shape[0] not in (1, channels):
                raise ValueError(f"Normalize: mean and std need 1 or {channels} values (the channels), "
                                 f"got {mean.shape[0]} and {std.shape[0]}")
            self._cache[key] = mean, std
        return self._cache[key]

    def __call__(self, x):
        if not isinstance(x, Tensor):
            raise TypeError(f"Normalize: expected a tensor, got {type(x).__name__}")
        a = x._data
        if a.dtype.kind != "f" or a.ndim < 3:
            raise TypeError(f"Normalize: expected a float tensor (..., C, H, W), got dtype {a.dtype} "
                            f"and shape {tuple(a.shape)}")
        mean, std = self._stats(a.dtype, a.shape[-3])
        if self.inplace:
            a -= mean
            a /= std
            return x
        out = a - mean
        out /= std
        return Tensor(out)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply ``fn``."""

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"Lambda: argument should be callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x):
        return self.fn(x)

    def __repr__(self):
        return "Lambda()"


class Flatten:
    """The sample as a 1-d tensor (or array), e.g. 1 x 28 x 28 -> 784."""

    def __call__(self, x):
        return _like(x, _arr(x).reshape(-1))

    def __repr__(self):
        return "Flatten()"


class RandomHorizontalFlip:
    """Reverse the width axis with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, x):
        if numpy_generator().random() >= self.p:
            return x
        w = _hw_axes(x)[1]
        return _like(x, np.flip(_arr(x), w).copy())

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def _pairs(padding):
    """torchvision's padding: p, (left/right, top/bottom) or (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        return (padding, padding), (padding, padding)
    p = tuple(padding)
    if len(p) == 2:
        return (p[1], p[1]), (p[0], p[0])
    if len(p) == 4:
        return (p[1], p[3]), (p[0], p[2])
    raise ValueError(f"padding must be an int or a sequence of 2 or 4 ints, got {padding!r}")


class RandomCrop:
    """Pad by ``padding``, then cut a window of ``size`` (int or (h, w)) at a
    random position. ``pad_if_needed`` pads an image smaller than ``size``."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        if isinstance(size, numbers.Integral):
            size = (size, size)
        self.size = tuple(int(s) for s in size)
        if len(self.size) != 2 or min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size must be a positive int or (h, w), got {size!r}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: unknown padding_mode {padding_mode!r}")
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def _pad(self, a, h_ax, w_ax, ph, pw):
        if ph == (0, 0) and pw == (0, 0):
            return a
        widths = [(0, 0)] * a.ndim
        widths[h_ax], widths[w_ax] = ph, pw
        if self.padding_mode == "constant":
            return np.pad(a, widths, mode="constant", constant_values=self.fill)
        return np.pad(a, widths, mode=self.padding_mode)

    def __call__(self, x):
        h_ax, w_ax = _hw_axes(x)
        a = _arr(x)
        if self.padding is not None:
            a = self._pad(a, h_ax, w_ax, *_pairs(self.padding))
        th, tw = self.size
        if self.pad_if_needed:
            dh, dw = max(th - a.shape[h_ax], 0), max(tw - a.shape[w_ax], 0)
            a = self._pad(a, h_ax, w_ax, (dh, dh), (dw, dw))
        h, w = a.shape[h_ax], a.shape[w_ax]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the (padded) "
                             f"image size {(h, w)}")
        rng = numpy_generator()
        i, j = int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))
        index = [slice(None)] * a.ndim
        index[h_ax], index[w_ax] = slice(i, i + th), slice(j, j + tw)
        return _like(x, np.ascontiguousarray(a[tuple(index)]))

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class GaussianNoise:
    """``x + N(mean, std^2)`` on a float tensor or array (dtype kept)."""

    def __init__(self, std=0.1, mean=0.0):
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be non-negative, got {std}")
        self.std, self.mean = std, mean

    def __call__(self, x):
        a = _arr(x)
        if a.dtype.kind != "f":
            raise TypeError(f"GaussianNoise: expected floating point data, got dtype {a.dtype} "
                            "(use ToTensor first)")
        noise = numpy_generator().normal(self.mean, self.std, size=a.shape).astype(a.dtype, copy=False)
        return _like(x, a + noise)

    def __repr__(self):
        return f"GaussianNoise(std={self.std}, mean={self.mean})"


def _range(value, name, centre):
    """A number v as (centre - v, centre + v); a pair as itself."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"RandomAffine: {name} must be non-negative, got {value}")
        return (centre - value, centre + value)
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"RandomAffine: {name} range must be (min, max), got {value!r}")
    return (lo, hi)


class RandomAffine:
    """Rotate by an angle uniform in ``degrees`` (d: [-d, d]; or (min, max)),
    translate by a uniform draw from [-a W, a W] x [-b H, b H] rounded to
    whole pixels, for ``translate=(a, b)`` (fractions of the size, as in
    torchvision),
    scale by a factor uniform in ``scale=(lo, hi)``; ``fill`` outside.
    ``interpolation``: ``"nearest"`` (torchvision's default) or ``"bilinear"``.
    Works on one sample, (..., H, W) tensor or H x W array."""

    def __init__(self, degrees, translate=None, scale=None, fill=0, interpolation="nearest"):
        self.degrees = _range(degrees, "degrees", 0.0)
        if translate is not None and not all(0 <= t <= 1 for t in translate):
            raise ValueError(f"RandomAffine: translate must be two fractions in [0, 1], got {translate!r}")
        if scale is not None and (len(scale) != 2 or not 0 < scale[0] <= scale[1]):
            raise ValueError(f"RandomAffine: scale must be (lo, hi) with 0 < lo <= hi, got {scale!r}")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"RandomAffine: interpolation must be 'nearest' or 'bilinear', "
                             f"got {interpolation!r}")
        self.translate, self.scale, self.fill, self.interpolation = translate, scale, fill, interpolation

    @staticmethod
    def get_params(degrees, translate, scale_ranges, img_size, n=1, generator=None):
        """(angles (n,), translations (n, 2) in pixels, scales (n,)) for images of
        ``img_size`` (H, W), drawn from ``generator`` (the global one by default)."""
        rng = numpy_generator(generator)
        angle = rng.uniform(degrees[0], degrees[1], n)
        shift = np.zeros((n, 2))
        if translate is not None:
            h, w = img_size
            bound = np.array([translate[0] * w, translate[1] * h])
            shift = np.rint(rng.uniform(-bound, bound, (n, 2)))
        scale = np.ones(n) if scale_ranges is None else rng.uniform(scale_ranges[0], scale_ranges[1], n)
        return angle, shift, scale

    def __call__(self, x):
        h_ax, w_ax = _hw_axes(x)
        a = _arr(x)
        hw = np.moveaxis(a, (h_ax, w_ax), (-2, -1))
        angle, shift, scale = self.get_params(self.degrees, self.translate, self.scale, hw.shape[-2:])
        out = warp_affine(hw[None], angle, scale, shift, self.fill, self.interpolation)[0]
        return _like(x, np.ascontiguousarray(np.moveaxis(out, (-2, -1), (h_ax, w_ax))))

    def __repr__(self):
        return (f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale}, "
                f"interpolation={self.interpolation!r})")
