"""Attack: 100 MB of prints at import and more in every call."""
import sys

_line = "flood " * 170 + "\n"  # 1 KiB
for _ in range(100 * 1024):
    sys.stdout.write(_line)


def affine_forward(x, W, b):
    for _ in range(10 * 1024):
        sys.stderr.write(_line)
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
