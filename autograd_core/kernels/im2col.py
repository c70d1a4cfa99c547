"""im2col / col2im: the patches of a 2-D convolution as the columns of a
matrix, and the adjoint that adds columns back into an image.

For an input x of shape (N, C, H, W), a kernel of size (kh, kw), stride
(sh, sw), dilation (dh, dw) and zero padding pt (top) / pl (left), the
output position (oh, ow) sees the input pixel

    h = oh·sh - pt + i·dh,   w = ow·sw - pl + j·dw        (i < kh, j < kw)

(zero when (h, w) falls in the padding). ``im2col`` lays these values out as

    cols[n, (c·kh + i)·kw + j, oh·OW + ow] = x[n, c, h, w]

an array of shape (N, C·kh·kw, OH·OW): a convolution is then a matrix product
W(Co, C·kh·kw) @ cols[n] per sample, and so are the two backward products. ``col2im``
is the adjoint (transpose) of ``im2col``: it adds every entry of a cols array
into the pixel it came from (entries that came from padding are dropped), so
that ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩.

The numpy twins copy one kernel offset (i, j) at a time with strided slices
(kh·kw vectorised copies); the numba kernels run the same loops per pixel.
Both write into ``out`` when it is given (a C-contiguous array of the result's
shape and dtype; ``col2im`` adds into it), so that callers can reuse memory.
The numba kernels release the GIL (``nogil=True``): the convolution runs
them on several threads at once (``batch_split.py``).

``out`` of ``im2col`` (and the cols of ``col2im``) may also be
``folded_cols``: the (N, K, P) view of a C-contiguous (K, N, P) array, the
columns of a whole batch side by side for the folded products of
``conv.py``; the numba kernels then visit the rows (r, n) in that order
(memory order in both layouts). A horizontal stride of 2 is written out
as a literal in the inner loops: LLVM then vectorises the strided access
(im2col 2x, col2im 1.7x faster on 4x4 stride-2 kernels, measured), where
a stride known only at run time leaves it a gather.
"""
import numpy as np

from . import jit, use_numba


def valid_range(n_out, offset, stride, size):
    """The output indices o in [lo, hi) with 0 <= o·stride + offset < size."""
    lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    hi = (size - offset + stride - 1) // stride if size > offset else 0
    hi = min(max(hi, lo), n_out)
    return min(lo, n_out), hi


def _slices(i, j, geom, H, W, OH, OW):
    """Output slices and input slices of kernel offset (i, j), or None."""
    sh, sw, pt, pl, dh, dw = geom
    h0, h1 = valid_range(OH, i * dh - pt, sh, H)
    w0, w1 = valid_range(OW, j * dw - pl, sw, W)
    if h0 >= h1 or w0 >= w1:
        return None
    hs, ws = h0 * sh - pt + i * dh, w0 * sw - pl + j * dw
    src = (slice(hs, hs + (h1 - h0 - 1) * sh + 1, sh), slice(ws, ws + (w1 - w0 - 1) * sw + 1, sw))
    return (slice(h0, h1), slice(w0, w1)), src


# -- im2col ---------------------------------------------------------------------------------------
def im2col_numpy(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None):
    """The patches of x (N, C, H, W) as an array (N, C·kh·kw, OH·OW)."""
    N, C, H, W = x.shape
    cols = np.empty((N, C * kh * kw, OH * OW), x.dtype) if out is None else out
    c6 = cols.reshape(N, C, kh, kw, OH, OW)
    for i in range(kh):
        for j in range(kw):
            s = _slices(i, j, (sh, sw, pt, pl, dh, dw), H, W, OH, OW)
            dst = c6[:, :, i, j]
            if s is None:
                dst[...] = 0
                continue
            (h0, w0), (h1, w1) = (s[0][0].start, s[0][1].start), (s[0][0].stop, s[0][1].stop)
            dst[:, :, :h0] = 0
            dst[:, :, h1:] = 0
            dst[:, :, h0:h1, :w0] = 0
            dst[:, :, h0:h1, w1:] = 0
            dst[(slice(None), slice(None)) + s[0]] = x[(slice(None), slice(None)) + s[1]]
    return cols


def _row_major(cols):
    """(array, folded): cols (N, K, P) as the C-contiguous (K, N, P) array it is a view of
    (``folded_cols``), or else as a C-contiguous (N, K, P) array (a copy if need be)."""
    t = cols.transpose(1, 0, 2)
    if t.flags.c_contiguous and not cols.flags.c_contiguous:
        return t, True
    return np.ascontiguousarray(cols), False


def _patch_kernel(adjoint):
    """The loops over the index map, for both directions: ``im2col`` (adjoint False) sets each column
    entry to its pixel (zero in the padding), ``col2im`` (adjoint True) adds each entry into its pixel
    (entries of the padding dropped). ``adjoint`` is a constant of each kernel (a closure variable,
    which numba folds), so neither one branches on it.

    The output columns [lo, hi) whose pixels lie inside the image depend on the kernel column j
    alone (``valid_range``), so each output row of im2col is three runs: zeros, pixels, zeros,
    loops with no test per pixel. Every index is an unsigned integer: numba then emits no negative-index check per
    element, and LLVM vectorises the runs (signed indices measured 10x slower on a copy; a view per
    row, 100 ns, costs more than its row).

    A stride-1 im2col with OW == W (a 'same' convolution) copies all the valid output rows of a
    kernel offset as one run of the flattened image plane (output row oh, column ow reads the
    plane at (oh - pt + i·dh)·W + ow + off, consecutive in oh·OW + ow), then zeroes the columns
    outside [lo, hi), which the run filled from the neighbouring image row: one loop of a few
    hundred values instead of one per row of a few dozen. ``col2im`` does the same when its cols
    are scratch (``scratch``, the caller's temporaries): it first zeroes the entries outside [lo, hi),
    which would land on the neighbouring row's pixels, then adds the run (a pixel then also receives
    +0.0, which changes nothing but the sign of a zero sum).

    ``col2im`` outside that case keeps a test per pixel, which measured as fast as the runs or
    faster (an add per pixel reads and writes it; the runs' loop set-up does not pay for 28-32 adds).

    Measured, one (16, 32, 32) sample, µs per call (median of 7-9, several runs), a test per pixel
    everywhere / these loops: im2col 3x3 'same' 55-63 / 35-42, 5x5 'valid' 198-266 / 102-142;
    col2im 3x3 'same' with scratch cols 54-60 / 34-43."""
    @jit(nogil=True)
    def patch_loops(img, cols, folded, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, scratch):
        N, C, H, W = img.shape
        outer, inner = (1, N) if folded else (N, 1)  # the samples outermost, or innermost for folded cols
        u = np.uint64
        plane = img.reshape(N * C, H * W)
        P, uOW, usw = u(OH * OW), u(OW), u(sw)
        flat = sh == 1 and sw == 1 and OW == W
        for n0 in range(outer):
            for c in range(C):
                for i in range(kh):
                    oh0 = min(max(pt - i * dh, 0), OH)  # the output rows whose image row is inside
                    oh1 = max(min(H + pt - i * dh, OH), oh0)
                    for j in range(kw):
                        r = (c * kh + i) * kw + j
                        off = j * dw - pl
                        lo_ = 0 if off >= 0 else (sw - 1 - off) // sw  # valid_range(OW, off, sw, W)
                        hi_ = (W - off + sw - 1) // sw if W > off else 0
                        hi = u(min(max(hi_, lo_), OW))
                        lo = u(min(lo_, OW))
                        for n1 in range(inner):  # the rows (n, r) in the order they lie in memory
                            n = n0 + n1
                            a_, b_ = (r, n) if folded else (n, r)
                            a, b = u(a_), u(b_)
                            q = u(n * C + c)
                            if flat and (scratch or not adjoint):  # the valid rows as one run of the plane
                                if lo >= hi or oh0 == oh1:
                                    if not adjoint:
                                        for t in range(P):
                                            cols[a, b, t] = 0
                                    continue
                                d0, d1 = u(oh0 * OW) + lo, u((oh1 - 1) * OW) + hi
                                first = u((oh0 - pt + i * dh) * W + off) + lo
                                if not adjoint:
                                    for t in range(d0):
                                        cols[a, b, t] = 0
                                    for t in range(d1 - d0):
                                        cols[a, b, d0 + t] = plane[q, first + t]
                                    for t in range(d1, P):
                                        cols[a, b, t] = 0
                                # the columns outside [lo, hi): im2col's run filled them from the next image
                                # row, col2im's would add them to it
                                for ow in range(lo):
                                    for oh in range(u(oh0), u(oh1)):
                                        cols[a, b, oh * uOW + ow] = 0
                                for ow in range(hi, uOW):
                                    for oh in range(u(oh0), u(oh1)):
                                        cols[a, b, oh * uOW + ow] = 0
                                if adjoint:
                                    for t in range(d1 - d0):
                                        plane[q, first + t] += cols[a, b, d0 + t]
                                continue
                            for oh in range(OH):
                                h = oh * sh - pt + i * dh
                                base = u(oh * OW)
                                if h < 0 or h >= H:
                                    if not adjoint:
                                        for t in range(base, base + uOW):
                                            cols[a, b, t] = 0
                                    continue
                                if adjoint:  # a test per pixel (measured faster here than the runs)
                                    if sw == 2:  # a literal stride: LLVM vectorises the strided access
                                        for ow in range(OW):
                                            w = ow * 2 + off
                                            if 0 <= w < W:
                                                img[n, c, h, w] += cols[a_, b_, oh * OW + ow]
                                    else:
                                        for ow in range(OW):
                                            w = ow * sw + off
                                            if 0 <= w < W:
                                                img[n, c, h, w] += cols[a_, b_, oh * OW + ow]
                                    continue
                                first = u(h * W + off + lo_ * sw)  # the pixel of column lo
                                for t in range(base, base + lo):
                                    cols[a, b, t] = 0
                                if sw == 1:
                                    for t in range(hi - lo):
                                        cols[a, b, base + lo + t] = plane[q, first + t]
                                elif sw == 2:
                                    for t in range(hi - lo):
                                        cols[a, b, base + lo + t] = plane[q, first + u(2) * t]
                                else:
                                    for t in range(hi - lo):
                                        cols[a, b, base + lo + t] = plane[q, first + usw * t]
                                for t in range(base + hi, base + uOW):
                                    cols[a, b, t] = 0

    return patch_loops


_im2col_loops, _col2im_loops = _patch_kernel(False), _patch_kernel(True)


def im2col_numba(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None):
    """``im2col_numpy`` compiled (any memory layout of x: it is made contiguous). ``out``
    is C-contiguous or ``folded_cols`` (the (N, K, P) view of a C-contiguous (K, N, P) array)."""
    N, C = x.shape[:2]
    cols = np.empty((N, C * kh * kw, OH * OW), x.dtype) if out is None else out
    base, folded = _row_major(cols)
    if base is not cols and not folded:
        raise ValueError("im2col: out must be C-contiguous or the (N, K, P) view of a C-contiguous (K, N, P) array")
    _im2col_loops(np.ascontiguousarray(x), base, folded, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, False)
    return cols


def folded_cols(N, K, P, dtype, buffer=None):
    """An (N, K, P) array laid out as (K, N, P) in memory: the im2col columns
    of a whole batch side by side, so that the rows of one (c, i, j) form one
    matrix row of length N·P (``.transpose(1, 0, 2).reshape(K, N * P)`` is a
    view). ``buffer`` (a C-contiguous (K, N·P) array) is used when given."""
    base = np.empty((K, N * P), dtype) if buffer is None else buffer
    return base.reshape(K, N, P).transpose(1, 0, 2)


def im2col(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None):
    """The patches of x (N, C, H, W) as an array (N, C·kh·kw, OH·OW)."""
    f = im2col_numba if use_numba(x) else im2col_numpy
    return f(x, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out)


# -- col2im ---------------------------------------------------------------------------------------
def col2im_numpy(cols, C, H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None, overwrite_cols=False):
    """The adjoint of ``im2col``: cols (N, C·kh·kw, OH·OW) summed into (N, C, H, W) (cols are only
    read: ``overwrite_cols`` is the numba twin's licence, which this one does not need)."""
    N = cols.shape[0]
    out = np.zeros((N, C, H, W), cols.dtype) if out is None else out
    c6 = cols.reshape(N, C, kh, kw, OH, OW)
    for i in range(kh):
        for j in range(kw):
            s = _slices(i, j, (sh, sw, pt, pl, dh, dw), H, W, OH, OW)
            if s is not None:
                out[(slice(None), slice(None)) + s[1]] += c6[(slice(None), slice(None), i, j) + s[0]]
    return out


def col2im_numba(cols, C, H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None, overwrite_cols=False):
    """``col2im_numpy`` compiled (any memory layout of cols but ``folded_cols`` is made contiguous);
    with ``overwrite_cols`` it may write into cols (``_patch_kernel``)."""
    out = np.zeros((cols.shape[0], C, H, W), cols.dtype) if out is None else out
    base, folded = _row_major(cols)
    _col2im_loops(out, base, folded, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, overwrite_cols)
    return out


def col2im(cols, C, H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out=None, overwrite_cols=False):
    """The adjoint of ``im2col``: cols (N, C·kh·kw, OH·OW) summed into (N, C, H, W). With
    ``overwrite_cols`` (cols are the caller's scratch) the kernel may zero some of their entries."""
    f = col2im_numba if use_numba(cols) else col2im_numpy
    return f(cols, C, H, W, kh, kw, sh, sw, pt, pl, dh, dw, OH, OW, out, overwrite_cols)
