"""Sample cases for tapegrad's op tests, one module per op family.

Each family module exposes `build(fam)`, which adds its cases to a `common.Family`.
"""

FAMILIES = ["elementwise", "reduce", "linalg", "activation", "shape", "conv", "pool", "loss",
            "norm", "boxes"]
