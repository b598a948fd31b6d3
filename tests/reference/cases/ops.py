"""Maps a manifest op name to a Python callable and names its tensor parameters.

Ops are looked up in one flat namespace: torch.nn.functional first (so max_pool2d takes
return_indices), then torch; a few Tensor methods and the reference implementations in
custom_ops are registered explicitly.
"""

import torch
import torch.nn.functional as F

from .custom_ops import CUSTOM

# Tensor parameters of each op in PyTorch's positional order (the names PyTorch accepts as
# keywords). "tensors" marks a list argument: every input of the case belongs to it.
_UNARY = ["input"]
_BINARY = ["input", "other"]
_LOSS = ["input", "target"]
TENSOR_PARAMS = {
    "add": _BINARY, "sub": _BINARY, "mul": _BINARY, "div": _BINARY,
    "maximum": _BINARY, "minimum": _BINARY, "pow": ["input", "exponent"],
    "where": ["condition", "input", "other"],
    "matmul": _BINARY, "mm": ["input", "mat2"], "bmm": ["input", "mat2"],
    "outer": ["input", "vec2"], "linear": ["input", "weight", "bias"],
    "cat": ["tensors"], "stack": ["tensors"], "split": ["tensor"],
    "index_select": ["input", "index"], "gather": ["input", "index"],
    "scatter_add": ["input", "index", "src"], "masked_fill": ["input", "mask"],
    "conv1d": ["input", "weight", "bias"], "conv2d": ["input", "weight", "bias"],
    "conv3d": ["input", "weight", "bias"], "conv2d_padding_mode": ["input", "weight", "bias"],
    "conv_transpose1d": ["input", "weight", "bias"],
    "conv_transpose2d": ["input", "weight", "bias"],
    "conv_transpose3d": ["input", "weight", "bias"],
    "max_unpool1d": ["input", "indices"], "max_unpool2d": ["input", "indices"],
    "max_unpool3d": ["input", "indices"],
    "cross_entropy": ["input", "target", "weight"], "nll_loss": ["input", "target", "weight"],
    "binary_cross_entropy": ["input", "target", "weight"],
    "binary_cross_entropy_with_logits": ["input", "target", "weight", "pos_weight"],
    "mse_loss": _LOSS, "l1_loss": _LOSS, "smooth_l1_loss": _LOSS, "huber_loss": _LOSS,
    "kl_div": _LOSS, "focal_loss": _LOSS, "sigmoid_focal_loss": _LOSS, "dice_loss": _LOSS,
    "iou_loss": _LOSS, "giou_loss": _LOSS, "rmse_loss": _LOSS,
    "box_convert": ["boxes"], "box_area": ["boxes"], "box_iou": ["boxes1", "boxes2"],
    "generalized_box_iou": ["boxes1", "boxes2"], "nms": ["boxes", "scores"],
    "batched_nms": ["boxes", "scores", "idxs"],
    "batch_norm": ["input", "running_mean", "running_var", "weight", "bias"],
    "layer_norm": ["input", "weight", "bias"], "group_norm": ["input", "weight", "bias"],
}

_METHODS = {
    "repeat": lambda input, repeats: input.repeat(repeats),
    "expand": lambda input, size: input.expand(size),
    "contiguous": lambda input: input.contiguous(),
}
# torchvision.ops functions (Debian's python3-torchvision), under their own names.
_TORCHVISION = {"box_convert", "box_area", "box_iou", "generalized_box_iou", "nms",
                "batched_nms"}
_PREFER_TORCH = {"tanh", "sigmoid"}  # torch.nn.functional's versions are deprecated aliases


def tensor_params(op):
    return TENSOR_PARAMS.get(op, _UNARY)


def resolve(op):
    if op in CUSTOM:
        return CUSTOM[op]
    if op in _METHODS:
        return _METHODS[op]
    if op in _TORCHVISION:
        import torchvision.ops
        return getattr(torchvision.ops, op)
    if op not in _PREFER_TORCH and hasattr(F, op):
        return getattr(F, op)
    if hasattr(torch, op):
        return getattr(torch, op)
    raise KeyError(f"unknown op {op}")


def call(op, named_inputs, args):
    """Calls `op` with inputs given as (parameter name, tensor) pairs and keyword args."""
    kwargs = {}
    for name, value in named_inputs:
        if name == "tensors":
            kwargs.setdefault("tensors", []).append(value)
        else:
            kwargs[name] = value
    kwargs.update(args)
    out = resolve(op)(**kwargs)
    if isinstance(out, torch.Tensor):
        return (out,)
    return tuple(out)
