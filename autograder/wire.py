"""Plain-data wire format between the trusted parent and the sandboxed worker.

Frames are an 8-byte big-endian length followed by UTF-8 JSON. Arrays travel as base64 ``.npy``
bytes loaded with ``allow_pickle=False``; torch tensors as the same plus dtype/device. Nothing
else crosses: an object that is not plain data is replaced by an ``Opaque`` marker.

This module is copied next to the worker and must import only the standard library and numpy
(torch lazily, in the worker).
"""
from __future__ import annotations

import base64
import io
import json
import math
import struct
from dataclasses import dataclass

import numpy as np

HEADER = struct.Struct(">Q")
# dtypes allowed to cross the boundary (numpy kind + itemsize); object/void/str arrays never do
_ALLOWED_KINDS = {"b", "i", "u", "f", "c"}
#: most JSON values one frame may hold (arrays travel as one base64 string each)
MAX_VALUES = 1_000_000
#: longest string a reply may hold (numpy would make a 60 MB string a 240 MB array)
MAX_STR = 1_000_000


class WireError(ValueError):
    """A frame or value that is not valid plain data."""


@dataclass(frozen=True)
class TensorData:
    """A torch tensor as plain data: its values (numpy), torch dtype name and device."""

    array: np.ndarray
    dtype: str  # e.g. "torch.float32"
    device: str  # e.g. "cpu", "cuda:0"
    requires_grad: bool = False

    @property
    def shape(self):
        return self.array.shape

    def numpy(self) -> np.ndarray:
        return self.array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)


@dataclass(frozen=True)
class Opaque:
    """Stands for a returned object that is not plain data (e.g. a cache object)."""

    type_name: str

    def __repr__(self):
        return f"<{self.type_name} object>"


# ---------------------------------------------------------------------------- arrays

def _array_to_b64(a: np.ndarray) -> str:
    a = np.asarray(a)
    if not a.flags.c_contiguous:  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
        a = np.array(a, order="C", copy=True)
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _array_from_b64(s: str) -> np.ndarray:
    try:
        raw = base64.b64decode(s.encode("ascii"), validate=True)
        a = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:  # malformed bytes from an untrusted worker
        raise WireError(f"invalid array payload: {type(exc).__name__}") from None
    if type(a) is not np.ndarray or a.dtype.kind not in _ALLOWED_KINDS:
        raise WireError("array of a dtype that may not cross the boundary")
    return a


# ---------------------------------------------------------------------------- encode

def to_plain(value, *, _depth: int = 0, _torch=None):
    """Convert ``value`` into JSON-able plain data (worker side: anything may be hostile)."""
    if _depth > 32:
        raise WireError("value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        if abs(value) > 2**63:
            try:
                return {"__float__": repr(float(value))}
            except OverflowError:
                return {"__float__": "inf" if value > 0 else "-inf"}
        return value
    if t is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in _ALLOWED_KINDS:
        return {"__scalar__": _array_to_b64(np.asarray(value).reshape(()).copy())}
    if isinstance(value, np.ndarray):
        a = np.array(value, copy=True, subok=False)
        if a.dtype.kind not in _ALLOWED_KINDS:
            return {"__opaque__": f"ndarray[{a.dtype}]"}
        return {"__ndarray__": _array_to_b64(a)}
    if _torch is not None and isinstance(value, _torch.Tensor):
        return _tensor_to_plain(value, _torch)
    if t is TensorData:
        return {"__tensor__": _array_to_b64(np.asarray(value.array)), "dtype": value.dtype,
                "device": value.device, "requires_grad": value.requires_grad}
    if t in (list, tuple, dict) and len(value) > MAX_VALUES:  # refused before the work of
        raise WireError(f"more than {MAX_VALUES} values in one message")  # encoding it
    if t in (list, tuple):
        key = "__list__" if t is list else "__tuple__"
        return {key: [to_plain(v, _depth=_depth + 1, _torch=_torch) for v in value]}
    if t is dict:
        items = []
        for k, v in value.items():
            items.append([to_plain(k, _depth=_depth + 1, _torch=_torch),
                          to_plain(v, _depth=_depth + 1, _torch=_torch)])
        return {"__dict__": items}
    return {"__opaque__": t.__name__[:100]}


def _tensor_to_plain(t, torch):
    base = t.detach()
    dtype, device = str(base.dtype), str(base.device)
    base = base.to("cpu")
    if base.dtype in (torch.bfloat16,):
        base = base.to(torch.float32)
    a = np.array(base.resolve_conj().resolve_neg().numpy(), copy=True)
    return {"__tensor__": _array_to_b64(a), "dtype": dtype, "device": device,
            "requires_grad": bool(t.requires_grad)}


# ---------------------------------------------------------------------------- decode

def from_plain(obj, *, tensor_factory=None):
    """Rebuild a value from plain data produced by ``to_plain`` (parent side: strict).

    Returns only None, bool, int, float, str, numpy arrays of numbers (and their scalars),
    ``TensorData``, ``Opaque`` and lists/tuples/dicts of these; anything else in ``obj``
    raises ``WireError`` (never another exception).

    ``tensor_factory(TensorData) -> object`` turns tensors into real tensors (worker side);
    by default they stay ``TensorData``.
    """
    try:
        return _from_plain(obj, 0, tensor_factory)
    except WireError:
        raise
    except Exception as exc:  # a malformed value from an untrusted worker
        raise WireError(f"invalid value ({type(exc).__name__})") from None


def _from_plain(obj, depth, factory):
    if depth > 40:
        raise WireError("value nested too deeply")
    t = type(obj)
    if t is str and len(obj) > MAX_STR:
        raise WireError(f"a string of {len(obj)} characters (at most {MAX_STR})")
    if obj is None or t is bool or t is float or t is str:
        return obj
    if t is int:
        if abs(obj) > 2**64:
            raise WireError("integer out of range")
        return obj
    if t is not dict or len(obj) == 0:
        raise WireError(f"unexpected JSON value of type {t.__name__}")
    if "__ndarray__" in obj:
        return _array_from_b64(obj["__ndarray__"])
    if "__scalar__" in obj:
        a = _array_from_b64(obj["__scalar__"])
        if a.shape != ():
            raise WireError("malformed scalar")
        return a[()]
    if "__float__" in obj:
        if type(obj["__float__"]) is not str or len(obj["__float__"]) > 40:
            raise WireError("malformed float")
        return float(obj["__float__"])
    if "__tensor__" in obj:
        td = TensorData(_array_from_b64(obj["__tensor__"]), _short(obj.get("dtype", "")),
                        _short(obj.get("device", "cpu")), obj.get("requires_grad") is True)
        return factory(td) if factory else td
    if "__list__" in obj or "__tuple__" in obj:
        items = obj.get("__list__", obj.get("__tuple__"))
        if type(items) is not list:
            raise WireError("malformed sequence")
        out = [_from_plain(v, depth + 1, factory) for v in items]
        return out if "__list__" in obj else tuple(out)
    if "__dict__" in obj:
        items = obj["__dict__"]
        if type(items) is not list:
            raise WireError("malformed mapping")
        out = {}
        for pair in items:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed mapping item")
            k = _from_plain(pair[0], depth + 1, factory)
            if isinstance(k, (np.ndarray, np.generic)):
                if k.size != 1:
                    raise WireError("unhashable mapping key")
                k = k.item()
            if type(k) not in (str, int, float, bool, tuple) and k is not None:
                raise WireError("unhashable mapping key")
            try:
                hash(k)
            except TypeError:
                raise WireError("unhashable mapping key") from None
            out[k] = _from_plain(pair[1], depth + 1, factory)
        return out
    if "__opaque__" in obj:
        return Opaque(_short(obj["__opaque__"], 100))
    raise WireError("unknown value tag")


def _short(value, n: int = 40) -> str:
    if type(value) is not str:
        raise WireError("malformed text field")
    return value[:n]


# ---------------------------------------------------------------------------- frames

def encode_frame(message: dict) -> bytes:
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> dict:
    """Parse one frame's body. Refuses bodies with more than ``MAX_VALUES`` JSON values (a
    frame of a million tiny numbers would cost the parent far more memory than its size)."""
    if body.count(b",") > MAX_VALUES:
        raise WireError(f"more than {MAX_VALUES} values in one message")
    try:
        msg = json.loads(body.decode("utf-8"))
    except Exception:
        raise WireError("malformed frame") from None
    if type(msg) is not dict:
        raise WireError("frame is not an object")
    return msg
