"""Attack: write a 1 GB file in the working folder from a graded call."""


def affine_forward(x, W, b):
    block = b"\0" * 2**20
    with open("big.bin", "wb") as fh:
        for _ in range(1024):
            fh.write(block)
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
