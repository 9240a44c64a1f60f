"""Hidden tests of SparseAutoencoder: its layers (the encoder/decoder convention) and its maps."""
import os
import sys

import torch
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _layers(submission, n_in, n_hidden, activation, **kw):
    info = submission.probe("model_probe", n_in=n_in, n_hidden=n_hidden, activation=activation,
                            _where="SparseAutoencoder", **kw)
    if not info["is_module"]:
        fail(f"SparseAutoencoder(...) must be an nn.Module, got {info['type']}")
    want = {"encoder": [n_hidden, n_in], "decoder": [n_in, n_hidden]}
    if info["layers"] != want:
        fail(f"SparseAutoencoder({n_in}, {n_hidden}): expected attributes encoder = "
             f"nn.Linear({n_in}, {n_hidden}) and decoder = nn.Linear({n_hidden}, {n_in}) "
             f"(weights {want}), found {info['layers']}")
    return info


@task("SparseAutoencoder")
@given(n_in=st.integers(1, 9), n_hidden=st.integers(1, 12), activation=st.sampled_from(["sigmoid", "relu"]))
def test_autoencoder_layers(submission, n_in, n_hidden, activation):
    """SparseAutoencoder: encoder nn.Linear(n_in, n_hidden), decoder nn.Linear(n_hidden, n_in), float32, nothing else"""
    info = _layers(submission, n_in, n_hidden, activation)
    R.expect_right_values(submission, "SparseAutoencoder", x=S.inputs(n_in, 3, n_in), n_hidden=n_hidden,
                          activation=activation)
    if info["param_dtypes"] != ["torch.float32"]:
        fail(f"parameters have dtypes {info['param_dtypes']}; keep PyTorch's default float32")
    expected = 2 * n_in * n_hidden + n_in + n_hidden
    if info["n_params"] != expected:
        fail(f"the model has {info['n_params']} parameters, encoder and decoder have {expected}")


@task("SparseAutoencoder")
@given(seed=S.seeds, n=st.integers(1, 6), n_in=st.integers(1, 9), n_hidden=st.integers(1, 12),
       activation=st.sampled_from(["sigmoid", "relu"]))
def test_autoencoder_forward(submission, seed, n, n_in, n_hidden, activation):
    """SparseAutoencoder: encode = act(encoder(x)), decode = decoder(z) (linear), forward = (x_hat, z)"""
    weights = S.model_weights(seed, n_in, n_hidden)
    x = S.inputs(seed, n, n_in)
    z = S.codes(seed + 1, n, n_hidden)
    info = _layers(submission, n_in, n_hidden, activation, weights=weights, x=x, z=z)
    model = R.ref.SparseAutoencoder(n_in, n_hidden, activation).double()
    with torch.no_grad():
        for layer, (W, b) in zip((model.encoder, model.decoder), weights):
            layer.weight.copy_(R.t(W))
            layer.bias.copy_(R.t(b))
        z_ref = model.encode(R.t(x)).numpy()
        expect_close(info["encode"], z_ref, f"encode(x) with activation={activation!r}",
                     hint="encode is act(x @ W1.T + b1) with the model's own activation")
        expect_close(info["decode"], model.decode(R.t(z)).numpy(), "decode(z)",
                     hint="decode is linear: z @ W2.T + b2 (no activation on x_hat)")
        fwd = info["forward"]
        if not isinstance(fwd, (list, tuple)) or len(fwd) != 2:
            fail("forward(x) must return the pair (x_hat, z)")
        expect_close(fwd[1], z_ref, "forward(x)[1] (z)")
        expect_close(fwd[0], model.decode(R.t(z_ref)).numpy(), "forward(x)[0] (x_hat)",
                     hint="x_hat = decode(encode(x))")


@task("SparseAutoencoder")
def test_autoencoder_rejects_bad_activation(submission):
    """SparseAutoencoder raises ValueError naming activation for an activation other than sigmoid or relu"""
    R.expect_right_values(submission, "SparseAutoencoder", x=S.inputs(0, 3, 4), n_hidden=3,
                          activation="relu")
    R.expect_value_errors(submission, "SparseAutoencoder",
                          [(dict(n_in=4, n_hidden=3, activation="tanh"), "activation")])
