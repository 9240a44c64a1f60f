"""Hidden test: inputs the functions cannot handle raise ValueError naming the argument."""
from autograder.testing import fail, task

CASES = [
    ("make_mlp", dict(in_dim=2, width=4, depth=0, out_dim=2), "depth"),
    ("make_mlp", dict(in_dim=2, width=4, depth=2, out_dim=2, activation="gelu"), "activation"),
    ("make_mlp", dict(in_dim=2, width=0, depth=2, out_dim=2), "width"),
    ("init_weights", dict(scheme="lecun"), "scheme"),
]


@task("make_mlp")
def test_bad_arguments_raise_value_error(submission):
    """make_mlp and init_weights: bad depth, width, activation or scheme raise ValueError naming it"""
    for fn, kwargs, word in CASES:
        info = submission.probe("value_error_probe", fn=fn, kwargs=kwargs, _where=fn)
        call = f"{fn}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        if info["raised"] is None:
            fail(f"{call} should raise ValueError, it returned normally")
        if info["raised"] != "ValueError":
            fail(f"{call} raised {info['raised']}: {info['message'][:200]}; expected ValueError")
        if word not in info["message"]:
            fail(f"{call} raised ValueError, but its message does not name the argument {word!r}")
