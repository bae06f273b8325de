"""Checking an Adam derivation (the seed's problem 2): update rules at step t, unrolled steps, L2 regularisation.

Every written quantity is expanded into *base variables* -- the gradients g^k, the hyperparameters, the first
weight, and for a general step t the previous moments m^{t-1}, v^{t-1} and the weight w^t -- so that two sides are
compared as functions (at random points, ε → 0 for ``≈``). A wrong side is matched against the misconceptions of
the table (ε inside the root, ‖w‖ instead of ‖w‖²); a side that follows a legitimate variant the writer is working
out (Adam without bias correction, the L2-regularised gradient g') is accepted.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import sympy

from derive.check.verdicts import Judgment, resolve_head, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.reference import Unresolved
from derive.compare import Draw, num, ordered_symbols, same_function, sample_points
from derive.errors import DeriveError, InputError
from derive.check.reading.document import Parsed, Statement, Written
from derive.latex import latex
from derive.optim.notation import T as STEP_T

NAMES = {"beta1": "beta", "beta2": "gamma", "lr": "alpha", "eps": "epsilon", "param": "w", "grad": "g",
         "m": "m", "v": "v", "loss": "L", "lambda": "lambda"}
DEFAULTS = {"beta1": sympy.Rational(9, 10), "beta2": sympy.Rational(999, 1000), "lr": sympy.Rational(1, 1000),
            "eps": sympy.Rational(1, 10 ** 8)}
NORMS = ("squared", "half", "unsquared")
B1, B2, A, E, LAM = sympy.symbols("beta1 beta2 alpha epsilon lambda", positive=True)
T = STEP_T   # the one step t of derive.optim (integer, positive)
_HYPER = {"beta1": B1, "beta2": B2, "lr": A, "eps": E, "lambda": LAM}
OK_VARIANTS = ("no-bias", "regularised", "adamw")   # what a sheet may legitimately work out besides plain Adam
WRONG_VARIANTS = ("eps-inside", "norm-unsquared", "bias-no-power", "no-one-minus")


class OptimReference:
    """Adam in base variables, for a notation (``names``: role -> the letter the sheet uses)."""

    def __init__(self, names: Mapping[str, str] | None = None, norm: str = "squared") -> None:
        if norm not in NORMS:
            raise InputError(f"norm must be one of {', '.join(NORMS)}, not {norm!r}", "norm")
        self.names = {**NAMES, **(names or {})}
        unknown = sorted(set(self.names) - set(NAMES))
        if unknown:
            raise InputError(f"unknown notation role(s) {', '.join(unknown)}; known: {', '.join(NAMES)}", "names")
        self.norm = norm
        self.role = {v: k for k, v in self.names.items()}
        # Kingma & Ba's letters are understood beside the sheet's own: β_1, β_2, and θ_t for the parameter after
        # step t (θ_0 is the initial one, so θ_t is w^{t+1} of the seed's indexing)
        self._paper = {k: v for k, v in (("beta_1", "beta1"), ("beta_2", "beta2"), ("theta", "param"))
                       if k not in self.role}
        self.time_names = frozenset([self.names[r] for r in ("param", "grad", "m", "v")] +
                                    (["theta"] if "theta" in self._paper else []))

    # ------------------------------------------------------------------------------------------ notation
    def resolve(self, sym: sympy.Symbol, lhs: bool = False) -> tuple:
        if not isinstance(sym, Written):
            raise Unresolved(f"{sym} is not a quantity of this problem")
        paper = f"{sym.base}_{sym.sub}" if sym.sub else sym.base
        role = self.role.get(paper) or self._paper.get(paper) or self.role.get(sym.base) or self._paper.get(sym.base)
        time = sym.time or (sym.sub if role in ("param", "grad", "m", "v") else "")
        if sym.base == "theta" and self._paper.get("theta") and time:
            time = str(_index(time) + 1)   # θ_t is the parameter after t steps: w^{t+1}
        if sym.base == "t" and not sym.deco and not sym.sub:
            return ("t",)
        if role in _HYPER and not sym.deco and not sym.time:
            return ("hyper", role)
        if role == "loss" and sym.deco in ("", "prime") and not time:
            return ("loss", sym.deco == "prime")
        if role in ("param", "grad", "m", "v") and sym.deco in ("", "hat", "prime"):
            if not time:
                if role == "param" and not sym.deco:
                    return ("w",)
                raise Unresolved(f"{sym.base} needs a step index here (e.g. {sym.base}^t)")
            return ("seq", role, sym.deco, _index(time))
        raise Unresolved(f"{latex(sym)} is not a quantity of this problem")

    # ------------------------------------------------------------------------------------------ meanings
    def meaning(self, key: tuple, variant: str = "") -> sympy.Expr:
        kind = key[0]
        if kind == "t":
            return T
        if kind == "hyper":
            return _HYPER[key[1]]
        if kind == "w":
            return sympy.Symbol("w")
        if kind == "loss":
            L = sympy.Symbol("L")
            return L + self._reg(sympy.Symbol("w"), variant) if key[1] else L
        _, role, deco, k = key
        if role == "grad" and deco == "":
            return sympy.Symbol(f"g[{k}]")   # a gradient the writer names is the raw one, in every variant
        return self._seq(role, deco, k, variant)

    def _reg(self, w: sympy.Expr, variant: str) -> sympy.Expr:
        norm = "unsquared" if variant == "norm-unsquared" else self.norm
        return {"squared": LAM * w ** 2, "half": LAM * w ** 2 / 2, "unsquared": LAM * sympy.Abs(w)}[norm]

    def _grad(self, k: Any, variant: str) -> sympy.Expr:
        """The gradient Adam runs on: raw, or L2-regularised ("regularised", or "regularised:<norm>" for the
        gradient of another penalty, the rule a writer stated: g + λ w for λ‖w‖²/2)."""
        g = sympy.Symbol(f"g[{k}]")
        if variant.startswith("regularised"):
            norm = variant.split(":", 1)[1] if ":" in variant else self.norm
            w = self._seq("param", "", k, "")
            return g + {"squared": 2 * LAM * w, "half": LAM * w, "unsquared": LAM * w / sympy.Abs(w)}[norm]
        return g

    def _seq(self, role: str, deco: str, k: Any, variant: str) -> sympy.Expr:
        symbolic = isinstance(k, sympy.Expr) and not k.is_Integer
        if role == "grad":
            if deco == "prime":
                return self._grad(k, variant if variant.startswith("regularised:") else "regularised")
            return self._grad(k, variant)
        if role in ("m", "v"):
            beta = B1 if role == "m" else B2
            if deco == "hat":
                raw = self._seq(role, "", k, variant)
                if variant == "no-bias":
                    return raw
                return raw / (1 - beta) if variant == "bias-no-power" else raw / (1 - beta ** k)
            if not symbolic and int(k) < 0:
                raise Unresolved(f"{role} at step {k} is not defined")
            if not symbolic and int(k) == 0:
                return sympy.S.Zero
            if symbolic and (k - T).is_number and k - T <= -1:
                return sympy.Symbol(f"{role}[{k}]")   # the previous step's moment is given at a general step
            g = self._grad(k, variant)
            weight = 1 if variant == "no-one-minus" else 1 - beta
            return beta * self._seq(role, "", k - 1, variant) + weight * (g if role == "m" else g ** 2)
        # the parameter: w^1 (or w^t for a general step) is given; later ones follow the update rule
        if (not symbolic and int(k) <= 1) or (symbolic and (k - T).is_number and k - T <= 0):
            return sympy.Symbol(f"w[{k}]")
        prev = k - 1
        mh, vh = self._seq("m", "hat", prev, variant), self._seq("v", "hat", prev, variant)
        if variant == "eps-inside":
            step = mh / sympy.sqrt(vh + E)
        else:
            step = mh / (sympy.sqrt(vh) + E)
        w = self._seq("param", "", prev, variant)
        if variant == "adamw":   # decoupled weight decay: the decay is applied to the weight, not the gradient
            return w - A * LAM * w - A * step
        return w - A * step

    def to_base(self, e: sympy.Expr, variant: str = "") -> sympy.Expr:
        return e.xreplace({s: self.meaning(self.resolve(s), variant) for s in ordered_symbols(e)})

    # ------------------------------------------------------------------------------------------ comparison
    def same(self, a: sympy.Expr, b: sympy.Expr, approx: bool = False) -> bool:
        if approx:
            a, b = a.subs(E, 0), b.subs(E, 0)
        return same_function(a, b, _points)


def _domain(s: sympy.Symbol, k: int) -> Draw:
    """How a sample value is drawn: decay rates in (0, 1), positive step sizes and second moments, gradients of
    either sign."""
    if s in (B1, B2):
        return Draw(5, 95)
    if s == T:
        return Draw(150, 450)
    if s.name.startswith("v[") or s in (A, E, LAM):
        return Draw(5, 90)
    return Draw(20, 300, sign="±")


def _points(symbols: list[sympy.Symbol]) -> list[dict]:
    """Three sample points; each value from its own generator ("name:k"), whatever the other symbols."""
    return sample_points(symbols, 3, _domain, seed=None)


def _index(text: str) -> sympy.Expr:
    m = re.fullmatch(r"(t|\d+)([+-]\d+)?", text.replace(" ", ""))
    if not m:
        raise Unresolved(f"the step index {text} is not understood (use t, t-1, t+1 or a number)")
    base = T if m.group(1) == "t" else sympy.Integer(int(m.group(1)))
    return base + (int(m.group(2)) if m.group(2) else 0)


class OptimJudge:
    """Judges one statement of an Adam derivation (same interface as the autodiff judge)."""

    def __init__(self, ref: OptimReference, state: Any, sigfigs: int = 3) -> None:
        self.ref, self.state = ref, state   # an Adam sheet carries no numbers from line to line, only its rules
        # a rule the writer stated at a general step t that is not Adam's (ε inside the root, g' = g + λ w): the
        # lines after it that follow it are carried, the mistake counts once
        self.mem = state.env.setdefault("@adam", {"adopted": ""})

    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        head = resolve_head(self.ref, stmt, parsed)
        if isinstance(head, list):
            return head
        q, first = head
        if q and q[0] == "hyper":
            return self._hyper(stmt, parsed, q[1])   # (an "=" sets a value; "≈" / "~" claims the usual one)
        if q and q[0] == "seq" and q[1] == "grad" and not q[2] and all(
                not isinstance(p, DeriveError) and not p.expr.free_symbols for p in parsed[1:]):
            # "g_1 = 0.3": the writer gives a gradient a value. Gradients are givens of this (symbolic) problem,
            # like a hyperparameter's value, not a step to judge
            return [Judgment(k, "ok", found=seg.text) for k, seg in enumerate(stmt.segments[1:], 1)]
        out: list[Judgment] = []
        prev: tuple[sympy.Expr, str, str] | None = None   # the previous side: (expression, verdict, variant)
        for k in range(1, len(parsed)):
            seg, p = stmt.segments[k], parsed[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            try:
                j, prev = self._side(k, seg.text, seg.rel == "≈", first.expr, p.expr, prev)
            except Unresolved as exc:
                j = Judgment(k, "unverifiable", found=seg.text, message=str(exc))
            except (ArithmeticError, TypeError, ValueError):
                j = Judgment(k, "unverifiable", found=seg.text, message="cannot evaluate this side")
            out.append(j)
            if j.verdict == "wrong" and prev is not None and prev[2] and self._general(first.expr):
                self.mem["adopted"] = prev[2]   # the writer's rule from now on
        return out

    def _general(self, e: sympy.Expr) -> bool:
        """Does ``e`` name a quantity at a general step t (a rule, not a numbered step)?"""
        for s in ordered_symbols(e):
            try:
                key = self.ref.resolve(s)
            except Unresolved:
                continue
            if key[0] == "seq" and not getattr(key[3], "is_Integer", False):
                return True
        return False

    def _side(self, k: int, text: str, approx: bool, lhs: sympy.Expr, side: sympy.Expr, prev):
        ref = self.ref
        for variant in ("",) + OK_VARIANTS:
            if ref.same(ref.to_base(side, variant), ref.to_base(lhs, variant), approx):
                return Judgment(k, "ok", found=text), (side, "ok", variant)
        if prev is not None:
            pside, verdict, pvariant = prev
            if ref.same(ref.to_base(side, pvariant), ref.to_base(pside, pvariant), approx):
                kind = "carried" if verdict in ("wrong", "carried") else "ok"
                return Judgment(k, kind, found=text), (side, kind, pvariant)
        adopted = self.mem["adopted"]
        if adopted and ref.same(ref.to_base(side, adopted), ref.to_base(lhs, adopted), approx):
            return Judgment(k, "carried", found=text), (side, "carried", adopted)
        for variant in WRONG_VARIANTS:
            if ref.same(ref.to_base(side, variant), ref.to_base(lhs, variant), approx):
                mid = {"eps-inside": "eps-root", "norm-unsquared": "norm-squared", "bias-no-power": "bias-power",
                       "no-one-minus": "ema-weight"}[variant]
                expected = {"eps-root": r"\frac{\alpha \hat{m}}{\sqrt{\hat{v}} + \epsilon}",
                            "norm-squared": r"L + \lambda \|w\|_2^2", "bias-power": r"\frac{m^{t}}{1 - \beta^{t}}",
                            "ema-weight": r"\beta m^{t-1} + (1 - \beta) g^{t}"}[mid]
                msg = f"{MISCONCEPTIONS[mid].title}: {MISCONCEPTIONS[mid].explanation}"
                return Judgment(k, "wrong", expected=expected, found=text.strip(), message=msg, diagnosis=mid), \
                    (side, "wrong", variant)
        for norm in NORMS:   # g' of another penalty than the problem's: a plain slip, but the writer's rule now
            variant = f"regularised:{norm}"
            if norm != ref.norm and lhs.has(*[s for s in ordered_symbols(lhs) if isinstance(s, Written)
                                                and s.deco == "prime"]) \
                    and ref.same(ref.to_base(side, variant), ref.to_base(lhs, variant), approx):
                return Judgment(k, "wrong", found=text.strip(), message="not the gradient of the regularised loss "
                                "(the derivative of λ‖w‖² is 2λw)"), (side, "wrong", variant)
        return Judgment(k, "wrong", found=text.strip(), message="not equal to the left side "
                        "(as a function of the gradients and hyperparameters)"), (side, "wrong", "")

    def _hyper(self, stmt: Statement, parsed: list, role: str) -> list[Judgment]:
        """``\\beta \\approx 0.99``: compared with the usual value (PyTorch's default) -- a note, not an error."""
        out = []
        for k in range(1, len(parsed)):
            p = parsed[k]
            if isinstance(p, DeriveError) or p.expr.free_symbols or role not in DEFAULTS:
                continue
            if stmt.segments[k].rel != "≈":
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
                continue
            value, usual = num(p.expr), DEFAULTS[role]
            if abs(value - usual) > usual * sympy.Rational(1, 100):   # a claim about the usual value
                shown = repr(float(usual))
                out.append(Judgment(k, "note", expected=shown, found=stmt.segments[k].text.strip(),
                                    message=f"the usual value of {self.ref.names[role]} ({role}, PyTorch's "
                                            f"default) is {shown}, not {stmt.segments[k].text.strip()}"))
            else:
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
        return out
