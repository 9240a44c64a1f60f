"""Attack: as many threads as it can get, spinning forever from import on (the worker would
never exit on its own: they are not daemon threads)."""
import os
import threading

print(f"ATTACK-UID={os.getuid()}", flush=True)


def _spin():
    while True:
        pass


started = 0
for _ in range(200):
    try:
        threading.Thread(target=_spin).start()
        started += 1
    except RuntimeError:
        break
print(f"ATTACK: {started} threads spinning", flush=True)


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
