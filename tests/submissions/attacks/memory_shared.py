"""Attack: a 4 GiB shared anonymous mapping (not counted as heap), touched page by page."""
import mmap


def affine_forward(x, W, b):
    m = mmap.mmap(-1, 4 * 2**30)
    for i in range(0, len(m), 4096):
        m[i] = 1
    return None


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
