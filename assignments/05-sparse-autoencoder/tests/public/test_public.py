"""Public tests of sparse_autoencoder.py: a sample of what the grader checks (the hidden tests
check more). One test per mistake the handout warns about.

Run them with `dlcheck 05-sparse-autoencoder/sparse_autoencoder.py` (add `--task k_sparse` for
one function). They call your code through the same sandbox as the grader; inputs come from
strategies.py, so a failing example can be replayed in a notebook with the same seed.
"""
import math

import numpy as np
from hypothesis import given, strategies as st

import strategies as S
from autograder.testing import expect_close, expect_scalar_close, expect_shape, fail, task


@task("SparseAutoencoder")
@given(seed=S.seeds, n=st.integers(1, 5))
def test_public_autoencoder_shapes(submission, seed, n):
    """SparseAutoencoder(64, 100): encoder/decoder nn.Linear, forward(x) = (x_hat (N, 64), z (N, 100))"""
    weights = S.model_weights(seed, 64, 100)
    info = submission.probe("model_probe", n_in=64, n_hidden=100, activation="sigmoid",
                            weights=weights, x=S.inputs(seed, n, 64), z=S.codes(seed, n, 100),
                            _where="SparseAutoencoder")
    if info.get("layers") != {"encoder": [100, 64], "decoder": [64, 100]}:
        fail(f"expected encoder = nn.Linear(64, 100) and decoder = nn.Linear(100, 64), found "
             f"{info.get('layers')}")
    x_hat, z = info["forward"]
    expect_shape(x_hat, (n, 64), "x_hat")
    expect_shape(z, (n, 100), "z")
    if not (0 < z.array.min() and z.array.max() < 1):
        fail("sigmoid codes must lie in (0, 1)")
    W2, b2 = weights[1]
    expect_close(x_hat, np.asarray(z.array, dtype=np.float64) @ np.asarray(W2).T + np.asarray(b2),
                 "x_hat (decode(z) = z @ decoder.weight.T + decoder.bias)", rtol=1e-4, atol=1e-5)


@task("l1_penalty")
@given(seed=S.seeds, n=st.integers(2, 6))
def test_public_l1_penalty_mean_over_batch(submission, seed, n):
    """l1_penalty averages over the batch (it does not sum over it)"""
    z = S.signed_codes(seed, n, 5)
    info = submission.probe("tensor_call", fn="l1_penalty", z=z, lam=0.5, _where="l1_penalty")
    expect_close(info["out"], np.array(0.5 * np.abs(z).sum(axis=1).mean()), "l1_penalty")


@task("kl_sparsity")
@given(seed=S.seeds, n=st.integers(2, 6))
def test_public_kl_sparsity_rho_hat_over_batch(submission, seed, n):
    """kl_sparsity: rho_hat_j is unit j's mean activation over the batch"""
    z = S.codes(seed, n, 4)
    rho, beta = 0.05, 3.0
    rho_hat = z.mean(axis=0)
    kl = rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
    info = submission.probe("tensor_call", fn="kl_sparsity", z=z, rho=rho, beta=beta,
                            _where="kl_sparsity")
    expect_close(info["out"], np.array(beta * kl.sum()), "kl_sparsity")


@task("k_sparse")
@given(seed=S.seeds)
def test_public_k_sparse_keeps_largest_values(submission, seed):
    """k_sparse keeps the k largest VALUES of each row (a large negative entry is small)"""
    z = S.gapped_codes(seed, 3, 6, axis=1)
    info = submission.probe("tensor_call", fn="k_sparse", z=z, k=2, _where="k_sparse")
    top = np.argsort(z, axis=1)[:, -2:]
    expected = np.zeros_like(z)
    np.put_along_axis(expected, top, np.take_along_axis(z, top, axis=1), axis=1)
    expect_close(info["out"], expected, "k_sparse(z, 2)")


@task("k_sparse")
@given(seed=S.seeds)
def test_public_k_sparse_gradient_only_through_kept(submission, seed):
    """k_sparse: the gradient reaches the kept entries only"""
    z = S.gapped_codes(seed, 3, 6, axis=1)
    dout = S.upstream(seed, 3, 6)
    info = submission.probe("grad_probe", fn="k_sparse", z=z, k=2, dout=dout, gradcheck=False,
                            _where="k_sparse")
    kept = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(kept, np.argsort(z, axis=1)[:, -2:], True, axis=1)
    if info["grad"] is None:
        fail("no gradient reached z")
    expect_close(info["grad"], np.where(kept, dout, 0.0), "k_sparse gradient dL/dz")


@task("lifetime_sparsity")
@given(case=S.lifetime_cases(), seed=S.seeds)
def test_public_lifetime_sparsity_ceil(submission, case, seed):
    """lifetime_sparsity keeps ceil(rate * N) activations per unit (column)"""
    n, rate = case
    z = S.gapped_codes(seed, n, 3, axis=0)
    info = submission.probe("tensor_call", fn="lifetime_sparsity", z=z, rate=rate,
                            _where="lifetime_sparsity")
    kept = (expect_shape(info["out"], z.shape, "lifetime_sparsity(z, rate)") != 0).sum(axis=0)
    want = math.ceil(rate * n)
    if not np.all(kept == want):
        fail(f"kept {kept.tolist()} activations per unit for N = {n}, rate = {rate:.4g}; "
             f"ceil(rate * N) = {want}")


@task("encoding_stats")
def test_public_encoding_stats_bits(submission):
    """encoding_stats: 4 equally used units give entropy_bits = 2 (log base 2)"""
    z = np.eye(4) * 0.9
    out = submission.probe("tensor_call", fn="encoding_stats", z=z, _where="encoding_stats")["out"]
    if not isinstance(out, dict) or "entropy_bits" not in out:
        fail("encoding_stats must return a dict with mean_active, fraction_active, entropy_bits")
    expect_scalar_close(out["mean_active"], 1.0, "mean_active")
    expect_scalar_close(out["fraction_active"], 0.25, "fraction_active")
    expect_scalar_close(out["entropy_bits"], 2.0, "entropy_bits")


@task("train_sparse_ae")
def test_public_train_reproducible(submission):
    """train_sparse_ae: one history value per epoch, and the same generator seed gives the same run"""
    X = S.patches(32, seed=1)
    runs = submission.probe("train_probe", X=X, method="kl", epochs=2, lr=1e-2, seeds=[0, 0],
                            n_hidden=6, batch_size=16, _where="train_sparse_ae")
    history = runs[0].get("history")
    if not isinstance(history, dict) or any(len(history.get(k, [])) != 2
                                            for k in ("total", "recon", "penalty")):
        fail("history must map 'total', 'recon', 'penalty' to lists of one value per epoch")
    if not all(isinstance(v, float) and v > 0 for v in history["recon"]):
        fail("history['recon'] must hold each epoch's mean reconstruction error (a float > 0)")
    if runs[0]["history"] != runs[1]["history"]:
        fail("two runs with generators of the same seed differ: draw everything random "
             "(initial weights, permutations) from `generator`")


@task("plot_filters")
def test_public_plot_filters_row_major(submission):
    """plot_filters: tile j (in reading order) shows row j of encoder.weight as an 8x8 image"""
    weights = S.model_weights(0, 64, 6)
    info = submission.probe("plot_probe", weights=weights, _where="plot_filters")
    if not info["is_figure"]:
        fail(f"plot_filters must return a matplotlib Figure, got {info['type']}")
    tiles = sorted((ax for ax in info["axes"] if ax["images"]),
                   key=lambda ax: (-round(ax["y0"], 3), round(ax["x0"], 3)))
    if len(tiles) != 6:
        fail(f"expected 6 tiles (axes with an image), found {len(tiles)}")
    for j, ax in enumerate(tiles):
        image = ax["images"][0].array
        if image.shape != (8, 8) or np.corrcoef(image.ravel(), weights[0][0][j])[0, 1] < 0.9999:
            fail(f"tile {j} (in reading order) does not show row {j} of encoder.weight reshaped to 8x8")
