"""Reference implementations, in plain torch ops, of the ops that are not a single PyTorch call.

Each takes its tensors and arguments by keyword, like the PyTorch functions in the manifests.
The formulas are documented in tests/reference/README.md.
"""

import torch
import torch.nn.functional as F
import torchvision


def _ntuple(value, n):
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def conv2d_padding_mode(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                        padding_mode="zeros"):
    """What torch.nn.Conv2d computes for a padding_mode: pad explicitly, then convolve unpadded.

    Padding is applied as (left, right, top, bottom), i.e. the per-dim amounts reversed and each
    repeated twice; for "same" the total d*(k-1) is split with the extra element on the right.
    """
    if padding_mode == "zeros":
        return F.conv2d(input, weight, bias, stride, padding, dilation, groups)
    kernel = weight.shape[2:]
    dil = _ntuple(dilation, 2)
    if padding == "same":
        amounts = []
        for d, k in zip(dil, kernel):
            total = d * (k - 1)
            amounts.append((total // 2, total - total // 2))
    elif padding == "valid":
        amounts = [(0, 0), (0, 0)]
    else:
        amounts = [(p, p) for p in _ntuple(padding, 2)]
    pad = []
    for left, right in reversed(amounts):
        pad += [left, right]
    return F.conv2d(F.pad(input, pad, mode=padding_mode), weight, bias, stride, 0, dilation, groups)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"unknown reduction {reduction}")


def focal_loss(input, target, gamma=2.0, alpha=None, reduction="mean"):
    """Multi-class softmax focal loss; input [N, C] logits, target [N] int64 class indices."""
    log_p = F.log_softmax(input, dim=1)
    log_pt = log_p.gather(1, target.unsqueeze(1)).squeeze(1)
    pt = log_pt.exp()
    loss = -((1.0 - pt) ** gamma) * log_pt
    if alpha is not None:
        loss = loss * torch.tensor(alpha, dtype=input.dtype)[target]
    return _reduce(loss, reduction)


def sigmoid_focal_loss(input, target, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss: alpha < 0 disables the class balancing factor."""
    p = torch.sigmoid(input)
    ce = F.binary_cross_entropy_with_logits(input, target, reduction="none")
    p_t = p * target + (1 - p) * (1 - target)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * target + (1 - alpha) * (1 - target)) * loss
    return _reduce(loss, reduction)


def dice_loss(input, target, smooth=1.0):
    """Soft Dice on softmax(input, dim=1) vs one_hot(target); input [N, C, *], target [N, *]."""
    classes = input.shape[1]
    probs = F.softmax(input, dim=1)
    onehot = F.one_hot(target, classes).movedim(-1, 1).to(input.dtype)
    dims = [0] + list(range(2, input.dim()))
    intersection = (probs * onehot).sum(dims)
    total = probs.sum(dims) + onehot.sum(dims)
    dice = (2 * intersection + smooth) / (total + smooth)
    return (1 - dice).mean()


def _box_parts(input, target):
    area_p = (input[:, 2] - input[:, 0]) * (input[:, 3] - input[:, 1])
    area_t = (target[:, 2] - target[:, 0]) * (target[:, 3] - target[:, 1])
    w = (torch.minimum(input[:, 2], target[:, 2]) - torch.maximum(input[:, 0], target[:, 0]))
    h = (torch.minimum(input[:, 3], target[:, 3]) - torch.maximum(input[:, 1], target[:, 1]))
    inter = w.clamp(min=0) * h.clamp(min=0)
    union = area_p + area_t - inter
    return inter, union


def iou_loss(input, target, reduction="mean", eps=1e-7):
    """1 - inter / (union + eps) of boxes (x1, y1, x2, y2); input and target [N, 4]."""
    inter, union = _box_parts(input, target)
    return _reduce(1 - inter / (union + eps), reduction)


def giou_loss(input, target, reduction="mean", eps=1e-7):
    """torchvision.ops.generalized_box_iou_loss with a default reduction of mean."""
    return torchvision.ops.generalized_box_iou_loss(input, target, reduction=reduction, eps=eps)


def rmse_loss(input, target):
    """sqrt(mean((input - target)^2))."""
    return torch.sqrt(F.mse_loss(input, target, reduction="mean"))


CUSTOM = {
    "conv2d_padding_mode": conv2d_padding_mode,
    "focal_loss": focal_loss,
    "sigmoid_focal_loss": sigmoid_focal_loss,
    "dice_loss": dice_loss,
    "iou_loss": iou_loss,
    "giou_loss": giou_loss,
    "rmse_loss": rmse_loss,
}
