"""Hidden test: inputs the functions cannot handle raise ValueError naming the argument."""
import numpy as np

from autograder.testing import fail, task

import strategies as S

Z = S.codes(0, 3, 4)
CASES = [
    ("k_sparse", dict(z=Z, k=5), "k"),
    ("k_sparse", dict(z=Z, k=0), "k"),
    ("kl_sparsity", dict(z=Z, rho=0.0, beta=3.0), "rho"),
    ("kl_sparsity", dict(z=Z, rho=1.0, beta=3.0), "rho"),
    ("lifetime_sparsity", dict(z=Z, rate=0.0), "rate"),
    ("lifetime_sparsity", dict(z=Z, rate=1.5), "rate"),
    ("l1_penalty", dict(z=Z[0], lam=0.1), "z"),
    ("sparse_ae_loss", dict(model_weights=S.model_weights(0, 4, 3), x=S.inputs(0, 2, 4),
                            method="dropout"), "method"),
    ("SparseAutoencoder", dict(n_in=4, n_hidden=3, activation="tanh"), "activation"),
    ("train_sparse_ae", dict(X=S.inputs(0, 6, 4), method="l2", epochs=1, lr=0.1, generator=None),
     "method"),
]


@task("arguments")
def test_bad_arguments_raise_value_error(submission):
    """k > width, rho outside (0, 1), rate outside (0, 1], wrong shapes, unknown method or activation raise ValueError naming the argument"""
    for fn, kwargs, word in CASES:
        info = submission.probe("value_error_probe", fn=fn, kwargs=kwargs, _where=fn)
        shown = ", ".join(f"{k}={'array of shape ' + str(np.shape(v)) if isinstance(v, np.ndarray) else repr(v)}"
                          for k, v in kwargs.items() if k != "model_weights")
        call = f"{fn}({shown})"
        if info["raised"] is None:
            fail(f"{call} should raise ValueError, it returned normally")
        if info["raised"] != "ValueError":
            fail(f"{call} raised {info['raised']}: {info['message'][:200]}; expected ValueError")
        if word not in info["message"]:
            fail(f"{call} raised ValueError, but its message does not name the argument {word!r}")
