"""Per-exercise autograder zips for Gradescope and Otter-Grader 7 (``dlcourse gradescope``).

``build``: writes the zips (engine copy, exercise with hidden tests, solution, setup.sh,
run_autograder, otter_config.json), byte-reproducibly. ``run``: the entry point inside a zip
(stdlib only). ``otter_plugin``: the Otter plugin that hands grading to the sandboxed engine.
See docs/GRADESCOPE.md.
"""
