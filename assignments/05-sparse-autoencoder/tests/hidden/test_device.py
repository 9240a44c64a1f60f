"""Hidden CPU-only device checks: each graded torch function runs once normally and once with
tensors created without device= landing on the `meta` device, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probe_tools.device_rules). Runs everywhere, no GPU needed.
Each first requires right values on its input (no points for a constant of the right device)."""
import os
import sys

from autograder.testing import expect_no_device_bug, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _device_check(submission, fn, **kw):
    """No points without right values: the values on this input first, then the device check."""
    R.expect_right_values(submission, fn, **kw)
    expect_no_device_bug(submission, fn, **kw)

Z = S.gapped_codes(0, 6, 5, axis=1)
ZC = S.codes(1, 6, 5)


@task("SparseAutoencoder")
def test_autoencoder_device(submission):
    """SparseAutoencoder's forward works on the input's device"""
    _device_check(submission, "SparseAutoencoder", x=S.inputs(0, 4, 6), n_hidden=5,
                         activation="sigmoid")


@task("l1_penalty")
def test_l1_penalty_device(submission):
    """l1_penalty works on z's device (no .cpu(), no .numpy(), no device-less tensors)"""
    _device_check(submission, "l1_penalty", z=Z, lam=0.3)


@task("kl_sparsity")
def test_kl_sparsity_device(submission):
    """kl_sparsity works on z's device (no .cpu(), no .numpy(), no device-less tensors)"""
    _device_check(submission, "kl_sparsity", z=ZC, rho=0.1, beta=2.0)


@task("k_sparse")
def test_k_sparse_device(submission):
    """k_sparse builds its mask on z's device"""
    _device_check(submission, "k_sparse", z=Z, k=2)


@task("lifetime_sparsity")
def test_lifetime_sparsity_device(submission):
    """lifetime_sparsity builds its mask on z's device"""
    _device_check(submission, "lifetime_sparsity", z=S.gapped_codes(2, 6, 5, axis=0), rate=0.4)


@task("sparse_ae_loss")
def test_sparse_ae_loss_device(submission):
    """sparse_ae_loss works on x's device for every method (the zero penalty too)"""
    from test_loss import _check_case  # right values, your own penalties accepted as there
    for method in S.METHODS:
        _check_case(submission, S.model_weights(3, 4, 6), S.inputs(3, 5, 4), method, {"k": 2})
        expect_no_device_bug(submission, "sparse_ae_loss", x=S.inputs(3, 5, 4),
                             weights=S.model_weights(3, 4, 6), method=method, k=2)


@task("encoding_stats")
def test_encoding_stats_device(submission):
    """encoding_stats works on z's device"""
    _device_check(submission, "encoding_stats", z=ZC, threshold=0.3)


@task("train_sparse_ae")
def test_train_sparse_ae_device(submission):
    """train_sparse_ae builds the model, initial weights and permutations on the data's device"""
    _device_check(submission, "train_sparse_ae", X=S.inputs(4, 20, 6), seed=0, method="kl",
                         epochs=2, lr=1e-2, n_hidden=5, batch_size=8)
