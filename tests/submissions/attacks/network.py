"""Attack: reach the network (to fetch answers, or to send anything out)."""
import socket

for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", 22)):
    try:
        with socket.create_connection((host, port), timeout=1):
            print(f"NET-OPEN:{host}:{port}")
    except OSError as exc:
        print(f"NET-BLOCKED:{host}:{port}:{exc.strerror or exc}")
try:
    print("ATTACK: interfaces " + " ".join(name for _, name in socket.if_nameindex()))
except OSError:
    pass


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
