"""The ``derive`` sub-commands, one module each; this table names them and says what each does (the order
``derive --help`` lists them in). Kept here, apart from the modules, so the help needs no mathematics loaded."""
from __future__ import annotations

COMMAND_HELP: dict[str, str] = {
    "solve": "solve a problem set (TOML) into a LaTeX / Markdown / JSON / PDF document; no FILE: the seed homework",
    "autodiff": "differentiate an expression step by step (chain rule, forward/tangent/reverse traces)",
    "optim": "optimizer derivations (SGD ... Adam, AdamW) and trajectories with PyTorch's formulas",
    "cnn": "CNN arithmetic: output shapes, receptive fields, parameters and MACs (presets or a TOML/JSON spec)",
    "matrix": "backpropagation with vectors and matrices: forward values with shapes, backward matrix equations",
    "check": "check a handwritten solution (LaTeX/Markdown) line by line against a problem",
    "variants": "write N variants of a problem set (numbers drawn from its 'vary' ranges) with their answer keys",
    "grade": "grade a folder of submissions: gradebook CSV, Gradescope results, feedback per student, class summary",
}
