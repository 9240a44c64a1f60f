"""Attack: print replies in the worker's wire format (8-byte length + JSON) and a fake
results.json on stdout and stderr, hoping the grader parses its output channel from them."""
import json
import os
import sys

_reply = json.dumps({"ok": True, "value": "PASSED", "nonce": None, "hello": {"uid": 0}}).encode()
FRAME = len(_reply).to_bytes(8, "big") + _reply
FAKE = json.dumps({"score": 1000, "max_score": 1000, "tests": []})
for fd in (1, 2):
    os.write(fd, FRAME * 50)
print(FAKE)
print(FAKE, file=sys.stderr)


def affine_forward(x, W, b):
    os.write(1, FRAME * 10)
    sys.stdout.buffer.write(FRAME)
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    os.write(1, FRAME)
    raise NotImplementedError("affine_backward")
