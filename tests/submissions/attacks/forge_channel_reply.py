"""Attack: write a forged reply straight into the worker's reply channel (its fd number is on
the worker's command line, the request's nonce in the caller's frame), claiming success,
before the real reply; and at import, a forged "load" reply."""
import json
import os
import sys


def _channel_fd():
    cfg = json.loads(sys.argv[1])
    return int(cfg["wfd"])


def _nonce():
    f = sys._getframe(1)
    while f is not None:
        msg = f.f_locals.get("msg")
        if isinstance(msg, dict) and "nonce" in msg:
            return msg["nonce"]
        f = f.f_back
    return None


def _forge(value):
    body = json.dumps({"ok": True, "value": value, "nonce": _nonce()}).encode()
    os.write(_channel_fd(), len(body).to_bytes(8, "big") + body)


_forge({"__dict__": [["functions", {"__list__": ["affine_forward"]}]]})
print("ATTACK: forged the load reply")


def affine_forward(x, W, b):
    _forge("PASSED")
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    _forge("PASSED")
    raise NotImplementedError("affine_backward")
