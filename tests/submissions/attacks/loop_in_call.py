"""Attack: an infinite loop inside every graded call, with the usual signals ignored."""
import signal

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)


def affine_forward(x, W, b):
    while True:
        pass


def affine_backward(dout, cache):
    while True:
        pass
