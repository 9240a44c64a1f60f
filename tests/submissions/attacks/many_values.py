"""Attack: a reply of a few MB holding two million tiny values (each one a Python object in the
grader once decoded)."""


def affine_forward(x, W, b):
    return [0] * 2_000_000, None


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
