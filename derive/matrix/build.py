r"""Reading a matrix computation: steps written in LaTeX (``z^{(1)} = W^{(1)} x + b^{(1)}``, ``a = \sigma(z)``,
``p = \operatorname{softmax}(z^{(2)})``, ``L = \operatorname{CE}(p, y)``) or a small layer list
(``["linear", "sigmoid", "linear", "softmax"]`` with a loss), into a :class:`~derive.matrix.graph.Graph`.

The reader is a small recursive-descent parser over a fixed grammar, so user text is never evaluated and a name
can only be a letter (or Greek letter, hatted or bold) with a subscript and a layer superscript ``^{(l)}``: what
reaches the LaTeX output is rebuilt from that grammar, never copied. Juxtaposition is the matrix product,
``\odot`` the elementwise product, ``^T`` / ``^\top`` the transpose. Shapes are checked as each step is read.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import sympy

from derive.errors import InputError, LimitError, ParseError, UnsupportedError
from derive.parse import check_limits
from derive.matrix import ops
from derive.matrix.graph import Expr, Graph, Node, Num, Step, Var, leaves
from derive.matrix.shapes import Shape

MAX_STEPS = 200
MAX_DEPTH = 60              # operations nested in one step (a - - - x, a + a + … + a): the evaluator recurses
MAX_WORK = 2_000_000_000    # multiply-adds of every product of the computation (a few seconds of NumPy)

_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "kappa", "lambda",
          "mu", "nu", "xi", "pi", "rho", "tau", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
          "Phi", "Psi", "Omega")
_ACCENTS = ("hat", "bar", "tilde", "mathbf", "boldsymbol", "vec")
_TOKEN = re.compile(r"\s+|\\left\s*[(\[]|\\right\s*[)\]]|\\[,;!: ]|\\[A-Za-z]+|\d+(?:\.\d+)?|[A-Za-z]|[-+()\[\]{}^_,=']|.",
                    re.S)
_TRANSPOSE = ("T", r"\top", r"\intercal", r"\mathsf{T}")
_WORDS = re.compile(r"\\(?:operatorname\*?|mathrm|text|textrm)\s*\{\s*([A-Za-z_\\]+?)\s*\}")


class _Reader:
    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.toks: list[tuple[str, int]] = []
        for m in _TOKEN.finditer(text):
            t = m.group(0)
            if t.isspace() or t in (r"\,", r"\;", r"\!", r"\:", "\\ "):
                continue
            if t.startswith(r"\left") or t.startswith(r"\right"):
                t = "(" if t[-1] in "([" else ")"
            elif t in "[]":
                t = "(" if t == "[" else ")"
            self.toks.append((t, m.start()))
        self.i = 0

    # --- tokens
    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.toks[j][0] if j < len(self.toks) else ""

    def col(self) -> int:
        return self.toks[self.i][1] if self.i < len(self.toks) else len(self.text)

    def take(self) -> str:
        t = self.peek()
        self.i += 1
        return t

    def error(self, message: str) -> ParseError:
        return ParseError(message, self.where, self.text, self.col())

    def expect(self, t: str, what: str) -> None:
        if self.peek() != t:
            got = repr(self.peek()) if self.peek() else "the end"
            raise self.error(f"expected {t!r} {what}, found {got}")
        self.i += 1

    def braced(self) -> str:
        """The raw tokens of a ``{...}`` group, joined (for names and operator words)."""
        self.expect("{", "to open a group")
        out = []
        while self.peek() not in ("}", ""):
            out.append(self.take())
        self.expect("}", "to close the group")
        return "".join(out)

    # --- names
    def name(self) -> str:
        t = self.peek()
        if re.fullmatch(r"[A-Za-z]", t):
            base = self.take()
        elif t.startswith("\\") and t[1:] in _GREEK:
            base = self.take()
        elif t.startswith("\\") and t[1:] in _ACCENTS:
            self.take()
            inner = self.braced() if self.peek() == "{" else self.take()
            if not re.fullmatch(r"[A-Za-z]|\\(?:" + "|".join(_GREEK) + ")", inner):
                raise self.error(f"{t}{{...}} takes one letter, not {inner!r}")
            base = f"{t}{{{inner}}}"
        else:
            raise self.error(f"expected a name (a letter with an optional subscript and ^{{(l)}}), found "
                             f"{t!r}" if t else "expected a name, found the end")
        if self.peek() == "_":
            self.take()
            sub = self.braced() if self.peek() == "{" else self.take()
            if not re.fullmatch(r"[A-Za-z0-9]{1,8}", sub):
                raise self.error(f"a subscript is letters and digits, not {sub!r}")
            base += f"_{{{sub}}}" if len(sub) > 1 else f"_{sub}"
        if self.peek() == "^" and self.peek(1) == "{" and self.peek(2) == "(":
            self.take()
            layer = self.braced()
            if not re.fullmatch(r"\(\d{1,3}\)", layer):
                raise self.error(f"a layer superscript is ^{{(l)}} with a whole number l, not ^{{{layer}}}")
            base += f"^{{{layer}}}"
        return base

    # --- expressions
    def expr(self, env: Mapping[str, Var]) -> Expr:
        e = self.hadamard(env)
        while self.peek() in ("+", "-"):
            col = self.col()
            op = "add" if self.take() == "+" else "sub"
            e = ops.make(op, *self._matrices(e, self.hadamard(env), op, col), where=self.where)
        return e

    def hadamard(self, env: Mapping[str, Var]) -> Expr:
        e = self.product(env)
        while self.peek() in (r"\odot", r"\circ", r"\oslash"):
            col = self.col()
            op = "div" if self.take() == r"\oslash" else "had"
            e = ops.make(op, *self._matrices(e, self.product(env), op, col), where=self.where)
        return e

    def _matrices(self, a: Any, b: Any, op: str, col: int) -> tuple[Expr, Expr]:
        """Both operands of an elementwise operation are matrices: a bare number has no shape to broadcast."""
        if isinstance(a, sympy.Rational) or isinstance(b, sympy.Rational):
            what = {"add": "added to", "sub": "subtracted from", "had": "multiplied elementwise with",
                    "div": "divided elementwise by"}[op]
            raise ParseError(f"a number cannot be {what} a matrix here; give it as a value (a matrix of its own)",
                             self.where, self.text, col)
        return a, b

    def _starts_factor(self) -> bool:
        t = self.peek()
        return bool(t) and (t == "(" or bool(re.fullmatch(r"[A-Za-z]|\d+(?:\.\d+)?", t)) or
                            t in (r"\frac", r"\operatorname", r"\mathrm", r"\text") or
                            (t.startswith("\\") and t[1:] in _GREEK + _ACCENTS + tuple(ops.CALLS)))

    def product(self, env: Mapping[str, Var]) -> Expr | sympy.Rational:
        e = self.unary(env)
        while self.peek() in (r"\cdot", r"\times") or self._starts_factor():
            if self.peek() in (r"\cdot", r"\times"):
                self.take()
            col = self.col()
            f = self.unary(env)
            if isinstance(e, sympy.Rational) and isinstance(f, sympy.Rational):
                e = e * f
            elif isinstance(e, sympy.Rational):
                e = ops.make("scale", Num(e), f, where=self.where)
            elif isinstance(f, sympy.Rational):
                raise ParseError("write a number before the matrix it scales (2 x, not x 2)", self.where,
                                 self.text, col)
            else:
                e = ops.make("matmul", e, f, where=self.where)
        return e

    def unary(self, env: Mapping[str, Var]) -> Expr | sympy.Rational:
        if self.peek() == "-":
            self.take()
            e = self.unary(env)
            return -e if isinstance(e, sympy.Rational) else ops.make("neg", e, where=self.where)
        return self.postfix(env)

    def postfix(self, env: Mapping[str, Var]) -> Expr | sympy.Rational:
        e = self.atom(env)
        while self.peek() == "^":
            save = self.i
            self.take()
            sup = self.braced() if self.peek() == "{" else self.take()
            if sup not in _TRANSPOSE:
                self.i = save
                raise self.error(f"only the transpose (^T or ^\\top) is a power of a matrix here, not ^{sup}")
            if isinstance(e, sympy.Rational):
                raise self.error("a number has no transpose")
            e = ops.T(e)
        return e

    def atom(self, env: Mapping[str, Var]) -> Expr | sympy.Rational:
        t = self.peek()
        if t == "(":
            self.take()
            e = self.expr(env)
            self.expect(")", "to close the bracket")
            return e
        if re.fullmatch(r"\d+(?:\.\d+)?", t):
            self.take()
            return sympy.Rational(t)
        if t == r"\frac":
            self.take()
            num, den = self.braced(), self.braced()
            if not (re.fullmatch(r"\d{1,9}", num) and re.fullmatch(r"\d{1,9}", den)) or int(den) == 0:
                raise self.error(r"\frac takes two whole numbers here (a constant like \frac{1}{2})")
            return sympy.Rational(int(num), int(den))
        word = None
        if t in (r"\operatorname", r"\operatorname*", r"\mathrm", r"\text", r"\textrm"):
            self.take()
            word = self.braced().replace(r"\_", "_")
        elif t.startswith("\\") and t[1:] in ops.CALLS and t[1:] != "sigma":
            word = self.take()[1:]
        elif t == r"\sigma" and self.peek(1) == "(":
            word = self.take()[1:]
        if word is not None:
            return self.call(word, env)
        col = self.col()
        name = self.name()
        if name not in env:
            raise ParseError(f"unknown name {name}: not an input with a value and not an earlier step",
                             self.where, self.text, col)
        return env[name]

    def call(self, word: str, env: Mapping[str, Var]) -> Expr:
        if word == "log" and self.peek() == r"\operatorname":   # \log \operatorname{softmax}(z)
            self.take()
            if self.braced() != "softmax":
                raise self.error(r"only \log\operatorname{softmax} is read after \log")
            word = "log_softmax"
        if word not in ops.CALLS:
            raise UnsupportedError(f"unsupported operation: {word}; supported: {', '.join(sorted(ops.CALLS))}",
                                   self.where, self.text, self.col())
        op, param = ops.CALLS[word]
        self.expect("(", f"after {word}: its argument in brackets")
        args = [self.expr(env)]
        while self.peek() == ",":
            self.take()
            args.append(self.expr(env))
        self.expect(")", f"to close the argument of {word}")
        want = ops.OPS[op].arity
        if len(args) != want:
            raise self.error(f"{word} takes {want} argument(s), not {len(args)}")
        if any(isinstance(a, sympy.Rational) for a in args):
            raise self.error(f"the argument of {word} must be a matrix, not a number")
        return ops.make(op, *args, param=param, where=self.where)


def normal_name(text: str, where: str) -> str:
    """A value's key as the name the steps use: ``W^{(1)}`` as written, or the short form ``W1`` for it."""
    m = re.fullmatch(r"\s*([A-Za-z])(\d{1,3})\s*", text)
    if m:
        return f"{m.group(1)}^{{({int(m.group(2))})}}"
    r = _Reader(text, where)
    name = r.name()
    if r.peek():
        raise r.error(f"{text!r} is not one name")
    return name


def build(steps: Sequence[str], shapes: Mapping[str, Shape], targets: Sequence[str] = ()) -> Graph:
    """The graph of ``steps`` (``name = expression`` each) over inputs of the given shapes; the last step is
    the loss and must be a scalar. ``targets``: inputs that are data (default: the second operand of a loss)."""
    if not steps:
        raise InputError("no steps: give at least one step, e.g. 'L = \\operatorname{MSE}(W x, y)'", "steps")
    if len(steps) > MAX_STEPS:
        raise InputError(f"at most {MAX_STEPS} steps", "steps")
    env = {n: Var(n, s) for n, s in shapes.items()}
    inputs = tuple(env.values())
    out: list[Step] = []
    work = 0
    for k, text in enumerate(steps, 1):
        if not isinstance(text, str):
            raise InputError(f"step {k} must be a string, not {type(text).__name__}", "steps")
        where = f"step {k} ({text.strip()[:60]})"
        check_limits(text, where)
        text = _WORDS.sub(lambda m: r"\operatorname{" + m.group(1) + "}", text)
        r = _Reader(text, where)
        try:
            name, e = _step(r, env, shapes, where, text)
        except RecursionError:
            raise LimitError(f"the step nests more than {MAX_DEPTH} operations deep", where) from None
        if depth(e) > MAX_DEPTH:
            raise LimitError(f"the step nests {depth(e)} operations deep; the limit is {MAX_DEPTH}", where)
        work += products(e)
        if work > MAX_WORK:
            raise LimitError(f"the products of the steps so far need {work:.3g} multiply-adds; the limit is "
                             f"{MAX_WORK:.3g}", where)
        step = Step(k, name, e, text)
        env[name] = Var(name, e.shape)
        out.append(step)
    read = {v.name for st in out for v in leaves(st.expr)}
    for st in out[:-1]:
        if st.name not in read:   # a dead step has no adjoint; most often it is a misspelt name further on
            raise InputError(f"{st.name} is never used by a later step, so it does not reach the loss", st.where)
    last = out[-1]
    if last.expr.shape != (1, 1):
        raise InputError(f"the last step is the loss and must be a scalar, but {last.name} is "
                         f"{last.expr.shape[0]}x{last.expr.shape[1]} (add a loss: CE, MSE, sum or mean)",
                         last.where)
    if not targets:
        targets = [s.expr.args[1].name for s in out if getattr(s.expr, "op", "") in ops.LOSSES
                   and isinstance(s.expr.args[1], Var) and s.expr.args[1].name in shapes]
    return Graph(inputs, tuple(out), frozenset(targets))


def _step(r: _Reader, env: dict[str, Var], shapes: Mapping[str, Shape], where: str, text: str) -> tuple[str, Expr]:
    name = r.name()
    if name in env:
        raise ParseError(f"{name} is already {'an input' if name in shapes else 'a step'}; give each step "
                         "a new name", where, text, 0)
    r.expect("=", "after the name of the step")
    e = r.expr(env)
    if isinstance(e, sympy.Rational):
        raise r.error("a step must be a matrix expression, not a number")
    if r.peek():
        raise r.error(f"unexpected {r.peek()!r}")
    return name, e


def depth(e: Expr) -> int:
    """Operations nested in ``e`` (iteratively: a hostile step must not exhaust the stack here either)."""
    best, stack = 0, [(e, 1)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, Node):
            best = max(best, d)
            stack.extend((a, d + 1) for a in x.args)
    return best


def products(e: Expr) -> int:
    """Multiply-adds of the matrix products in ``e``."""
    total, stack = 0, [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Node):
            if x.op == "matmul":
                total += x.args[0].shape[0] * x.args[0].shape[1] * x.args[1].shape[1]
            stack.extend(x.args)
    return total


LAYERS = ("linear", "sigmoid", "tanh", "relu", "softmax")
LAYER_LOSSES = ("cross_entropy", "mse")
_ACT = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}"}


def layer_steps(layers: Sequence[str], loss: str) -> list[str]:
    """The steps of a layer list: ``linear`` is z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)} (a^{(0)} = x), an
    activation a^{(l)} = f(z^{(l)}), ``softmax`` p = softmax(z); the loss compares the output with ``y``."""
    if loss not in LAYER_LOSSES:
        raise InputError(f"unknown loss {loss!r}; choose {', '.join(LAYER_LOSSES)}", "loss")
    steps, cur, layer = [], "x", 0
    for k, kind in enumerate(layers, 1):
        if kind not in LAYERS:
            raise InputError(f"unknown layer {kind!r}; layers: {', '.join(LAYERS)}", f"layers[{k}]")
        if kind == "linear":
            layer += 1
            steps.append(f"z^{{({layer})}} = W^{{({layer})}} {cur} + b^{{({layer})}}")
            cur = f"z^{{({layer})}}"
        elif kind == "softmax":
            if k != len(layers):
                raise InputError("softmax must be the last layer", f"layers[{k}]")
            steps.append(rf"p = \operatorname{{softmax}}({cur})")
            cur = "p"
        else:
            if not cur.startswith("z"):
                raise InputError(f"{kind} must follow a linear layer", f"layers[{k}]")
            steps.append(rf"a^{{({layer})}} = {_ACT[kind]}({cur})")
            cur = f"a^{{({layer})}}"
    if layer == 0:
        raise InputError("a layer list needs at least one linear layer", "layers")
    if loss == "cross_entropy" and cur != "p":
        raise InputError("cross_entropy needs probabilities: end the layers with softmax", "loss")
    steps.append(rf"L = \operatorname{{{'CE' if loss == 'cross_entropy' else 'MSE'}}}({cur}, y)")
    return steps
