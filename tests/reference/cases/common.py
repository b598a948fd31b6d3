"""Case builder, evaluation in PyTorch, and input generators shared by the family modules."""

import hashlib

import torch

from . import ops


# ---------------------------------------------------------------- inputs

class T:
    """One tensor input of a case.

    value: the logical tensor the op sees. grad: whether gradients are taken w.r.t. it (default:
    floating point). permute: present the input as `stored.permute(permute)`, a non-contiguous
    view, where stored = value.permute(inverse(permute)).contiguous(). name: PyTorch's parameter
    name (default: taken positionally from ops.TENSOR_PARAMS).
    """

    def __init__(self, value, grad=None, permute=None, name=None):
        self.value = value
        self.grad = value.is_floating_point() if grad is None else grad
        self.permute = list(permute) if permute is not None else None
        self.name = name
        if self.permute is not None and sorted(self.permute) != list(range(value.dim())):
            raise ValueError(f"bad permutation {self.permute} for shape {list(value.shape)}")


def inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def randn(*shape, scale=1.0):
    return torch.randn(*shape) * scale


def uniform(shape, lo, hi):
    return torch.rand(shape) * (hi - lo) + lo


def away(shape, margin=0.1, scale=1.0):
    """Normal values pushed away from zero: |x| >= margin."""
    x = torch.randn(shape) * scale
    return torch.where(x >= 0, x + margin, x - margin)


def signed_uniform(shape, lo, hi):
    """|x| uniform in [lo, hi], random sign."""
    mag = uniform(shape, lo, hi)
    return torch.where(torch.rand(shape) < 0.5, -mag, mag)


def avoid(x, points, margin, scale=1.0):
    """Redraws elements of x (normal * scale) until each is >= margin from every point."""
    x = x.clone()
    for _ in range(1000):
        bad = torch.zeros(x.shape, dtype=torch.bool)
        for p in points:
            bad |= (x - p).abs() < margin
        if not bad.any():
            return x
        x[bad] = torch.randn(int(bad.sum())) * scale
    raise RuntimeError("avoid: could not place values")


def distinct(shape, step=None):
    """Values that are pairwise at least step/2 apart (a shuffled jittered grid around 0)."""
    shape = list(shape)
    n = 1
    for s in shape:
        n *= s
    step = step if step is not None else max(0.02, 4.0 / max(n, 1))
    grid = (torch.randperm(n).double() - (n - 1) / 2.0) * step
    jitter = (torch.rand(n).double() - 0.5) * 0.5 * step
    return (grid + jitter).float().reshape(shape)


def distinct_many(shapes, step=0.1):
    """Several tensors whose elements are all pairwise distinct (no ties across tensors)."""
    sizes = [torch.Size(s).numel() for s in shapes]
    flat = distinct([sum(sizes)], step)
    out, at = [], 0
    for s, n in zip(shapes, sizes):
        out.append(flat[at:at + n].reshape(s))
        at += n
    return out


def labels(shape, classes):
    return torch.randint(0, classes, list(shape), dtype=torch.int64)


def bool_mask(shape, p=0.5):
    return torch.rand(shape) < p


# ---------------------------------------------------------------- evaluation

def case_seed(case_id):
    return int.from_bytes(hashlib.sha256(case_id.encode("utf-8")).digest()[:4], "little") & \
        0x7FFFFFFF


def evaluate(op, inputs, args, grad_outputs=None):
    """Runs op in float32 and returns its outputs, grad_outputs, input grads and mutated inputs.

    inputs: list of dicts with name, stored (contiguous tensor), permute (or None),
    requires_grad. grad_outputs: list (None for integer outputs) or None to draw random normal
    ones from the current RNG state. Gradients come back in the logical (permuted) layout.
    """
    leaves, named = [], []
    for spec in inputs:
        leaf = spec["stored"].clone()
        if spec["requires_grad"]:
            leaf.requires_grad_(True)
        view = leaf.permute(spec["permute"]) if spec["permute"] is not None else leaf
        leaves.append(leaf)
        named.append((spec["name"], view))
    outputs = ops.call(op, named, args)
    if grad_outputs is None:
        grad_outputs = [torch.randn(o.shape) if o.is_floating_point() else None
                        for o in outputs]
    grads = [None] * len(inputs)
    wanted = [i for i, s in enumerate(inputs) if s["requires_grad"]]
    diff = [(o, g) for o, g in zip(outputs, grad_outputs)
            if o.is_floating_point() and o.requires_grad]
    if wanted:
        if diff:
            got = torch.autograd.grad([o for o, _ in diff], [leaves[i] for i in wanted],
                                      [g for _, g in diff], allow_unused=True)
        else:
            got = [None] * len(wanted)
        for i, g in zip(wanted, got):
            if g is None:
                g = torch.zeros_like(leaves[i])
            perm = inputs[i]["permute"]
            grads[i] = (g.permute(perm) if perm is not None else g).contiguous()
    mutated = [None if s["requires_grad"] or torch.equal(leaf, s["stored"]) else leaf.detach()
               for s, leaf in zip(inputs, leaves)]
    outputs = [o.detach().contiguous() for o in outputs]
    return outputs, grad_outputs, grads, mutated


# ---------------------------------------------------------------- family

class Family:
    """Collects the cases of one family: their manifest entries and their tensors."""

    def __init__(self, name):
        self.name = name
        self.entries = []
        self.tensors = {}
        self._counters = {}

    def add(self, op, make, args=None, note="", gradcheck=None, gradgradcheck=None):
        """Adds one case. make() builds the list of T inputs; it runs right after the case's
        seed is set, so each case's random values depend only on its id."""
        n = self._counters.get(op, 0)
        self._counters[op] = n + 1
        cid = f"{op}/{n:03d}"
        torch.manual_seed(case_seed(cid))
        specs = make()
        params = ops.tensor_params(op)
        inputs = []
        for i, spec in enumerate(specs):
            name = spec.name or ("tensors" if params == ["tensors"] else params[i])
            stored = spec.value
            if spec.permute is not None:
                stored = stored.permute(inverse(spec.permute))
            inputs.append({"name": name, "stored": stored.contiguous(),
                           "permute": spec.permute, "requires_grad": spec.grad})
        args = dict(args or {})
        outputs, gouts, grads, mutated = evaluate(op, inputs, args)

        entry = {"id": cid, "op": op, "args": args, "inputs": []}
        for i, spec in enumerate(inputs):
            key = f"{cid}/in{i}"
            self._put(key, spec["stored"])
            item = {"key": key, "name": spec["name"], "requires_grad": spec["requires_grad"]}
            if spec["permute"] is not None:
                item["permute"] = spec["permute"]
            if mutated[i] is not None:
                item["after"] = f"{cid}/in{i}_after"
                self._put(item["after"], mutated[i])
            entry["inputs"].append(item)
        entry["outputs"] = []
        entry["grad_outputs"] = []
        for j, (o, g) in enumerate(zip(outputs, gouts)):
            entry["outputs"].append(self._put(f"{cid}/out{j}", o))
            entry["grad_outputs"].append(None if g is None else self._put(f"{cid}/gout{j}", g))
        entry["grads"] = [None if g is None else self._put(f"{cid}/grad{i}", g)
                          for i, g in enumerate(grads)]
        differentiable = any(s["requires_grad"] for s in inputs) and \
            any(o.is_floating_point() for o in outputs)
        if gradcheck is None:
            gradcheck = differentiable
        if gradgradcheck is None:
            gradgradcheck = gradcheck
        if gradcheck and not differentiable:
            raise ValueError(f"{cid}: gradcheck requested but nothing is differentiable")
        if not (gradcheck and gradgradcheck) and not note:
            raise ValueError(f"{cid}: a case without gradcheck needs a note saying why")
        entry["gradcheck"] = bool(gradcheck)
        entry["gradgradcheck"] = bool(gradgradcheck)
        entry["note"] = note
        self.entries.append(entry)
        return cid

    def _put(self, key, tensor):
        if key in self.tensors:
            raise ValueError(f"duplicate tensor key {key}")
        if tensor.dtype == torch.float64:
            raise ValueError(f"{key}: fixtures are float32")
        self.tensors[key] = tensor.detach().contiguous()
        return key
