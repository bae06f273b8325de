"""The operations of a matrix computation, as one table: each operation's shape rule, its forward value, its
backward rule (the adjoint of each operand, as an expression of the same records) and how it is written.

The backward rules are data in the sense of Autodidax's ``vjp_rules[op]``: functions from the upstream adjoint
``G`` (an expression with the node's shape) to one expression per operand, e.g. for ``A B``: ``G B^T`` and
``A^T G``. Elementwise functions (σ, tanh, ReLU, exp, ln) take their scalar derivative from derive's own
operation table (:mod:`derive.ops`), so the scalar and the matrix pass cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import sympy

from derive.matrix.graph import SCALAR, Expr, Node, Num, describe
from derive.matrix.shapes import Shape, broadcast_shape, matmul_shape, same_shape

Rule = Callable[[Expr, Node, Expr], Optional[Expr]]   # (G, node, node's value as written) -> operand's adjoint

# elementwise functions: name in derive.ops.OPS -> how the matrix page writes the function
ELEMENTWISE: dict[str, str] = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}",
                               "exp": r"\exp", "log": r"\ln"}

ONE = Num(sympy.Integer(1))


@dataclass(frozen=True)
class MatOp:
    """One operation. ``shape(args, param, where)`` checks the operands and gives the result's shape;
    ``forward(xp, values, param)`` computes it on a backend (floats or SymPy entries, :mod:`derive.matrix.algebra`);
    ``backward`` has one rule per operand (None: not differentiated, a constant). ``tex`` is a format string of
    the printed operands; ``prec`` the binding of the result (0 sum, 1 ⊙, 2 product, 3 transpose, 4 atom) and
    ``need`` the binding each operand must have not to be bracketed."""

    name: str
    arity: int
    shape: Callable[[tuple[Expr, ...], Any, str], Shape]
    forward: Callable[..., Any]
    backward: tuple[Optional[Rule], ...]
    tex: str
    prec: int = 4
    need: tuple[int, ...] = (0,)


def _names(args: tuple[Expr, ...]) -> tuple[str, str]:
    return describe(args[0]), describe(args[1])


def _bcast(what: str) -> Callable[[tuple[Expr, ...], Any, str], Shape]:
    return lambda a, p, w: broadcast_shape(a[0].shape, a[1].shape, _names(a), what, w)


def _same(a: tuple[Expr, ...], p: Any, w: str) -> Shape:
    return a[0].shape


def _loss(what: str) -> Callable[[tuple[Expr, ...], Any, str], Shape]:
    def shape(a: tuple[Expr, ...], p: Any, w: str) -> Shape:
        same_shape(a[0].shape, a[1].shape, _names(a), what, w)
        return SCALAR
    return shape


def _per(a: Expr) -> sympy.Rational:
    """1/N for a loss averaged over the N columns (examples) of ``a``."""
    return sympy.Rational(1, a.shape[1])


def _entries(a: Expr) -> int:
    return a.shape[0] * a.shape[1]


# --------------------------------------------------------------------------- building records (with the shape check)

def make(op: str, *args: Expr, param: Any = None, where: str = "") -> Expr:
    """``op`` applied to ``args``, shape checked (a :class:`~derive.matrix.shapes.ShapeError` names ``where``),
    with the identities a careful writer uses at once: (Aᵀ)ᵀ = A, 1·X = X, a sum that reduces nothing."""
    if op == "T" and isinstance(args[0], Node) and args[0].op == "T":
        return args[0].args[0]
    if op in ("smul", "scale") and args[0] == ONE:
        return args[1]
    if op == "scale" and args[1] == ONE:     # c times the loss's own adjoint: the number c
        return args[0]
    if op in ("smul", "had") and args[1] == ONE and args[0].shape == SCALAR:
        return args[0]
    if op == "unbroadcast" and args[0].shape == param:
        return args[0]
    if op == "matmul" and args[0] == ONE and args[1].shape[0] == 1:   # the loss's own adjoint, a 1 x 1 one
        return args[1]
    if op == "matmul" and args[1] == ONE and args[0].shape[1] == 1:
        return args[0]
    if op == "had" and args[0] == ONE:
        return args[1]
    if op == "had":   # an all-ones adjoint (of a sum) times X is X
        for k in (0, 1):
            a = args[k]
            if isinstance(a, Node) and a.op == "fill" and a.args[0] == ONE and args[1 - k].shape == a.shape:
                return args[1 - k]
    entry = OPS[op]
    return Node(op, tuple(args), entry.shape(tuple(args), param, where), param)


def T(a: Expr) -> Expr:
    return make("T", a)


def mm(a: Expr, b: Expr) -> Expr:
    return make("matmul", a, b)


def had(a: Expr, b: Expr) -> Expr:
    return make("had", a, b)


def sub(a: Expr, b: Expr) -> Expr:
    return make("sub", a, b)


def unb(g: Expr, like: Expr) -> Expr:
    """``g`` summed back to the shape of ``like`` (the adjoint of a broadcast operand: a bias column)."""
    return make("unbroadcast", g, param=like.shape)


def scale(c: sympy.Rational, x: Expr) -> Expr:
    return make("scale", Num(sympy.Rational(c)), x)


def smul(g: Expr, x: Expr) -> Expr:
    """The scalar adjoint ``g`` times ``x`` (dropped when ``g`` is the loss's own adjoint, 1)."""
    return make("smul", g, x)


def fused_softmax_ce(g: Expr, probs: Expr, target: Expr) -> Expr:
    """∂L/∂z for L = CE(softmax(z), y): the softmax Jacobian and the 1/p of the log cancel to (p - y)/N."""
    return smul(g, scale(_per(probs), sub(probs, target)))


# --------------------------------------------------------------------------- the table

def _sm_rule(g: Expr, n: Node, out: Expr) -> Expr:
    # (diag(p) - p pᵀ) g, column by column: p ⊙ (g - 1 1ᵀ (p ⊙ g))
    return had(out, sub(g, make("colsum", had(out, g))))


def _lsm_rule(g: Expr, n: Node, out: Expr) -> Expr:
    return sub(g, had(make("softmax", n.args[0]), make("colsum", g)))


_OPS = [
    MatOp("matmul", 2, lambda a, p, w: matmul_shape(a[0].shape, a[1].shape, _names(a), w),
          lambda xp, v, p: v[0] @ v[1],
          (lambda g, n, o: mm(g, T(n.args[1])), lambda g, n, o: mm(T(n.args[0]), g)),
          "{0} {1}", prec=2, need=(2, 3)),
    MatOp("add", 2, _bcast("add"), lambda xp, v, p: v[0] + v[1],
          (lambda g, n, o: unb(g, n.args[0]), lambda g, n, o: unb(g, n.args[1])), "{0} + {1}", prec=0,
          need=(0, 0)),
    MatOp("sub", 2, _bcast("subtract"), lambda xp, v, p: v[0] - v[1],
          (lambda g, n, o: unb(g, n.args[0]), lambda g, n, o: make("neg", unb(g, n.args[1]))), "{0} - {1}",
          prec=0, need=(0, 1)),
    MatOp("had", 2, _bcast("multiply elementwise"), lambda xp, v, p: v[0] * v[1],
          (lambda g, n, o: unb(had(g, n.args[1]), n.args[0]), lambda g, n, o: unb(had(g, n.args[0]), n.args[1])),
          r"{0} \odot {1}", prec=1, need=(3, 3)),
    MatOp("div", 2, _bcast("divide elementwise"), lambda xp, v, p: v[0] / v[1],
          (lambda g, n, o: unb(make("div", g, n.args[1]), n.args[0]),
           lambda g, n, o: unb(make("neg", had(g, make("div", o, n.args[1]))), n.args[1])),
          r"{0} \oslash {1}", prec=1, need=(3, 3)),
    MatOp("neg", 1, _same, lambda xp, v, p: -v[0], (lambda g, n, o: make("neg", g),), "-{0}", prec=0, need=(1,)),
    MatOp("scale", 2, lambda a, p, w: a[1].shape, lambda xp, v, p: v[0] * v[1],
          (None, lambda g, n, o: make("scale", n.args[0], g)), "{0} {1}", prec=2, need=(4, 3)),
    MatOp("smul", 2, lambda a, p, w: a[1].shape, lambda xp, v, p: v[0] * v[1],
          (None, lambda g, n, o: smul(n.args[0], g)), "{0} {1}", prec=2, need=(3, 3)),
    MatOp("T", 1, lambda a, p, w: (a[0].shape[1], a[0].shape[0]), lambda xp, v, p: v[0].T,
          (lambda g, n, o: T(g),), "{0}^{{T}}", prec=3, need=(4,)),
    MatOp("fn", 1, _same, lambda xp, v, p: xp.fn(p, v[0]),
          (lambda g, n, o: had(g, make("fprime", n.args[0], param=n.param)),), "{f}\\left({0}\\right)"),
    MatOp("fprime", 1, _same, lambda xp, v, p: xp.fprime(p, v[0]), (None,), "{f}'\\left({0}\\right)"),
    MatOp("softmax", 1, _same, lambda xp, v, p: xp.softmax(v[0]), (_sm_rule,),
          r"\operatorname{{softmax}}\left({0}\right)"),
    MatOp("log_softmax", 1, _same, lambda xp, v, p: xp.log_softmax(v[0]), (_lsm_rule,),
          r"\log\operatorname{{softmax}}\left({0}\right)"),
    MatOp("sum", 1, lambda a, p, w: SCALAR, lambda xp, v, p: xp.total(v[0]),
          (lambda g, n, o: make("fill", g, param=n.args[0].shape),), r"\operatorname{{sum}}\left({0}\right)"),
    MatOp("mean", 1, lambda a, p, w: SCALAR,
          lambda xp, v, p: xp.num(sympy.Rational(1, v[0].shape[0] * v[0].shape[1])) * xp.total(v[0]),
          (lambda g, n, o: scale(sympy.Rational(1, _entries(n.args[0])), make("fill", g, param=n.args[0].shape)),),
          r"\operatorname{{mean}}\left({0}\right)"),
    # cross-entropy of probabilities p (one column per example) against targets y, averaged over the examples
    MatOp("ce", 2, _loss("cross-entropy"),
          lambda xp, v, p: xp.num(sympy.Rational(-1, v[0].shape[1])) * xp.total(v[1] * xp.fn("log", v[0])),
          (lambda g, n, o: smul(g, scale(-_per(n.args[0]), make("div", n.args[1], n.args[0]))),
           lambda g, n, o: smul(g, scale(-_per(n.args[0]), make("fn", n.args[0], param="log")))),
          r"\operatorname{{CE}}\left({0}, {1}\right)"),
    # mean squared error over every entry, as torch.nn.functional.mse_loss
    MatOp("mse", 2, _loss("the squared error"),
          lambda xp, v, p: xp.num(sympy.Rational(1, v[0].shape[0] * v[0].shape[1])) * xp.total((v[0] - v[1]) ** 2),
          (lambda g, n, o: smul(g, scale(sympy.Rational(2, _entries(n.args[0])), sub(n.args[0], n.args[1]))),
           lambda g, n, o: smul(g, scale(sympy.Rational(-2, _entries(n.args[0])), sub(n.args[0], n.args[1])))),
          r"\operatorname{{MSE}}\left({0}, {1}\right)"),
    # ---- written only by backward rules
    # the adjoint of a broadcast operand: summed over the axes it was repeated along (param: its own shape)
    MatOp("unbroadcast", 1, lambda a, p, w: p, lambda xp, v, p: xp.reduce_to(v[0], p), (None,), "{0}", prec=2,
          need=(2,)),
    # a scalar adjoint spread over every entry of a matrix (the adjoint of a sum)
    MatOp("fill", 1, lambda a, p, w: p, lambda xp, v, p: v[0] * xp.ones(p), (None,), "{0}", prec=2, need=(3,)),
    # 1 1ᵀ X: every column replaced by its column sum, repeated down the column
    MatOp("colsum", 1, _same, lambda xp, v, p: xp.ones((v[0].shape[0], 1)) * xp.column_sums(v[0]), (None,),
          r"\mathbf{{1}}\mathbf{{1}}^{{T}} {0}", prec=2, need=(2,)),
]

OPS: dict[str, MatOp] = {op.name: op for op in _OPS}

# what a LaTeX step may call, by the operator name written: \operatorname{softmax}(z) -> softmax
CALLS: dict[str, tuple[str, Any]] = {"softmax": ("softmax", None), "log_softmax": ("log_softmax", None),
                                     "logsoftmax": ("log_softmax", None), "sum": ("sum", None),
                                     "mean": ("mean", None), "CE": ("ce", None), "ce": ("ce", None),
                                     "cross_entropy": ("ce", None), "MSE": ("mse", None), "mse": ("mse", None),
                                     "sigma": ("fn", "sigmoid"), "sigmoid": ("fn", "sigmoid"),
                                     "tanh": ("fn", "tanh"), "relu": ("fn", "relu"), "ReLU": ("fn", "relu"),
                                     "exp": ("fn", "exp"), "ln": ("fn", "log"), "log": ("fn", "log")}
LOSSES = ("ce", "mse")


__all__ = ["OPS", "MatOp", "ELEMENTWISE", "CALLS", "LOSSES", "ONE", "make", "T", "mm", "had", "sub", "unb",
           "scale", "smul", "fused_softmax_ce"]
