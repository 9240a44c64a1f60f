import numpy as np
def affine_inputs(seed, n, d=3, m=4, dtype=np.float64):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, d)).astype(dtype), r.standard_normal((d, m)).astype(dtype), r.standard_normal(m).astype(dtype)
