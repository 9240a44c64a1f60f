"""Attack: grow memory 64 MiB at a time, forever, in a graded call."""


def affine_forward(x, W, b):
    hoard = []
    while True:
        hoard.append(bytearray(64 * 2**20))


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
