"""Checking a derivation of any optimizer of derive.optim (SGD, momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW).

The reference is derive.optim's own rule (:func:`derive.optim.update_rules.rule`): its recurrences are iterated here in
*base variables* -- the raw gradients g^k, the first weight w^1, the hyperparameter letters, and at a general step
t the previous states b^{t-1}, v^{t-1} ... and the weight w^t -- so two sides are compared as functions at random
points (ε → 0 for ``≈``). Each recurrence is first built on placeholders, so a misconception is a small rewrite of
the same template (ε moved under the root, the root dropped, g for g², ...), never a typed-in answer. Both the
seed's notation (w^{t+1} = w^t - α b^t, β, γ) and the paper's (θ_t, β_1, β_2) are read. With the gradients given
(``grads``, ``w0``), numeric steps of a trajectory are checked too. The judge is in
:mod:`derive.check.optim.family_judge`.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

import sympy

from derive.check.reference import Unresolved
from derive.compare import Draw, num, ordered_symbols, same_function, sample_points
from derive.errors import InputError
from derive.optim.notation import ALPHA, EPS, ETA, LAM, MU, RHO, TAU, T, ev, notation  # T: the one step t
from derive.optim.hyperparams import Hyper, resolve
from derive.optim.update_rules import Rule, rule
from derive.check.reading.latex import Written
from derive.latex import latex

__all__ = ["FamilyReference"]

_SEED = notation("seed")
B1, B2 = _SEED.beta1, _SEED.beta2
_LETTERS = {"alpha": ALPHA, "epsilon": EPS, "varepsilon": EPS, "lambda": LAM, "mu": MU, "tau": TAU, "rho": RHO,
            "eta": ETA, "beta": B1, "beta_1": B1, "gamma": B2, "beta_2": B2}
# What a letter may mean, most usual first: the learning rate is α, η, lr or γ (PyTorch's docs), ε in some books;
# RMSprop's smoothing constant is ρ, PyTorch's α or β; a momentum coefficient μ or β; γ is the seed's β_2. Only the
# meanings the problem's optimizer has are candidates; a definition on the sheet (η = 0.1) picks among them.
_CANDIDATES = {"alpha": (ALPHA, RHO), "eta": (ALPHA, ETA), "lr": (ALPHA,), "gamma": (B2, ALPHA, RHO, MU),
               "epsilon": (EPS, ALPHA), "varepsilon": (EPS, ALPHA), "delta": (EPS,), "lambda": (LAM,),
               "mu": (MU,), "tau": (TAU,), "rho": (RHO,), "beta": (B1, MU, RHO), "beta_1": (B1,), "beta_2": (B2,),
               "wd": (LAM,)}
# the letters a sheet may use for a state the problem calls otherwise (velocity v_t for momentum's buffer b, ...)
_ALIASES = {"b": ("v", "m", "u"), "G": ("v", "s", "r", "h"), "v": ("s", "r", "G")}
_DECAYS = (B1, B2, MU, RHO, TAU)
MAX_STEP = 12
# index offset of a written weight: seed index = written index + offset (θ_0 / w_0 is the first weight: offset 1)
DEFAULT_OFFSETS = {"w": 0, "theta": 1, "g": 0}


def _hyper_values(h: Hyper) -> dict[sympy.Symbol, sympy.Rational]:
    """The problem's numbers for each letter (PyTorch's option names; RMSprop's alpha is ρ here)."""
    v = h.values
    r = lambda x: sympy.Rational(str(float(x)))  # noqa: E731 (the decimal as typed, exactly)
    out = {ALPHA: r(v["lr"])}
    for key, sym in (("momentum", MU), ("dampening", TAU), ("weight_decay", LAM), ("eps", EPS),
                     ("lr_decay", ETA)):
        if key in v:
            out[sym] = r(v[key])
    if h.name == "rmsprop":
        out[RHO] = r(v["alpha"])
    if "betas" in v:
        out[B1], out[B2] = r(v["betas"][0]), r(v["betas"][1])
    return out


# A variant name ending in this: the same rule with ε = 0, for a writer who says they leave a negligible ε out
# (at small accumulators ε/v is far above a calculator's noise, so "ε = 10^{-8}, left out" must be checked so).
EPS0 = "/eps0"

class FamilyReference:
    """One optimizer of derive.optim (with PyTorch's options) in base variables; ``grads``/``w0`` give numbers."""

    def __init__(self, optimizer: str, options: Mapping[str, Any] | None = None, w0: Any = None,
                 grads: Sequence[Any] | None = None) -> None:
        self.h = resolve(optimizer, dict(options or {}))
        self.name = self.h.name
        self.rule = rule(_SEED, self.h)
        self.keys: dict[tuple[str, str], str] = {}
        for rec in self.rule.recurrences:
            m = re.fullmatch(r"\\(tilde)\{(\w)\}", rec.letter)
            deco, base = (m.group(1), m.group(2)) if m else ("hat" if rec.hat else "bar" if rec.bar else "",
                                                            rec.letter)
            self.keys[(deco, base)] = rec.key
        self.keys[("", "g")] = "g"
        for deco in ("prime", "tilde"):   # g'^t, \tilde g_t: the rewritten (regularised) gradient
            self.keys.setdefault((deco, "g"), "g'")
        present = {k for (d, k) in self.keys if not d}
        for key, letters in _ALIASES.items():
            if key in present:
                for letter in letters:
                    if letter not in present:
                        self.keys.setdefault(("", letter), key)
        self.modified = any(rec.assign for rec in self.rule.recurrences)   # weight decay / maximize rewrite g
        self.values = _hyper_values(self.h)
        self.numbers: dict[sympy.Symbol, sympy.Rational] = {}
        if grads is not None:
            try:
                gs = [sympy.Rational(str(float(g))) for g in grads]
                self.numbers = {sympy.Symbol("w[1]"): sympy.Rational(str(float(w0 if w0 is not None else 0)))}
            except (TypeError, ValueError):
                raise InputError("grads must be numbers (one per step) and w0 a number", "grads") from None
            self.numbers.update({sympy.Symbol(f"g[{k}]"): g for k, g in enumerate(gs, 1)})
        seq_letters = {b for (_, b) in self.keys} | {"w", "theta"}
        self.time_names = frozenset(seq_letters)
        self.choice: dict[str, sympy.Symbol] = {}         # the sheet's letters, set by the judge for each sheet
        self.offsets: dict[str, int] = dict(DEFAULT_OFFSETS)
        self._steps: dict[str, list[dict[str, sympy.Expr]]] = {}
        self._general: dict[str, dict[str, sympy.Expr]] = {}
        self._traj: dict[tuple, tuple[dict, dict]] = {}

    # ------------------------------------------------------------------------------------------ variants
    def wrong_variants(self) -> list[str]:
        keys = {rec.key for rec in self.rule.recurrences}
        out = []
        if "b" in keys and self.name in ("sgd", "momentum", "nesterov"):
            out.append("buffer-ema")
            if self.h["dampening"]:
                out.append("buffer-damped-start")
            if self.h["nesterov"]:
                out.append("nesterov-along-b")
        if keys & {"G", "v"}:
            out += ["acc-not-squared", "no-root"]
            if not self.h.get("eps_inside"):
                out.append("eps-root")
        if self.h.get("weight_decay") and keys & {"m"}:   # Adam's L2 and AdamW's decoupled decay, mistaken
            out.append("decay-coupled" if self.h.get("decoupled") else "decay-decoupled")
        if keys & {"m"}:
            out += ["ema-weight"] + (["bias-power"] if "mhat" in keys else [])
        elif "v" in keys:
            out.append("ema-weight")
        return out

    def _rule(self, variant: str) -> tuple[Rule, Callable[[str, sympy.Expr], sympy.Expr]]:
        """The rule of a (mis)reading, and the rewrite applied to each recurrence's template."""
        r = self.rule
        same = lambda key, e: e  # noqa: E731
        if variant == "buffer-ema":
            return _swap(r, "b", rhs=lambda s, t: MU * s("b", t - 1) + (1 - MU) * s("g", t), first=None,
                         init=sympy.Integer(0)), same
        if variant == "buffer-damped-start":
            return _swap(r, "b", first=None, init=sympy.Integer(0)), same
        if variant == "nesterov-along-b":
            return replace(r, update=lambda s, t: [ALPHA * s("b", t)]), same
        if variant == "acc-not-squared":
            return r, lambda key, e: e.replace(_is_g_squared, lambda x: x.base) if key in ("G", "v") else e
        if variant in ("no-root", "eps-root"):
            return r, lambda key, e: _move_eps(e, variant)
        if variant == "bias-power":
            return r, lambda key, e: e.replace(lambda x: x.is_Pow and x.base in (B1, B2), lambda x: x.base)
        if variant in ("decay-coupled", "decay-decoupled"):
            swapped = Hyper(self.h.name, {**self.h.values, "decoupled": variant == "decay-decoupled"})
            return rule(_SEED, swapped), same
        if variant == "ema-weight":
            return r, lambda key, e: e.xreplace({1 - B1: 1, 1 - B2: 1, 1 - RHO: 1}) if key in ("m", "v") else e
        return r, same

    # ------------------------------------------------------------------------------------------ iteration
    def steps(self, variant: str, n: int) -> list[dict[str, sympy.Expr]]:
        """values[k][key] for k = 0..n in base variables; values[k]['w'] is the weight before step k (w^k)."""
        vals = self._steps.setdefault(variant, [{}])
        r, rewrite = self._rule(variant)
        if len(vals) == 1:
            vals[0] = {rec.key: rec.init for rec in r.recurrences if rec.init is not None}
        while len(vals) <= n:
            k = len(vals)
            cur: dict[str, sympy.Expr] = {"g": sympy.Symbol(f"g[{k}]"),
                                          "w": sympy.Symbol("w[1]") if k == 1 else vals[k - 1]["w+"]}
            known = lambda key, t, _cur=cur: _cur[key] if int(t) == k else vals[int(t)].get(key)  # noqa: E731
            for rec in r.recurrences:
                f = rec.first if (rec.first is not None and k == 1) else rec.rhs
                cur[rec.key] = self._apply(rec.key, f, rewrite, known, sympy.Integer(k))
            cur["w+"] = cur["w"] - sum(self._apply("w", lambda s, t, i=i: r.update(s, t)[i], rewrite, known,
                                                   sympy.Integer(k)) for i in range(len(r.update(_ph, T))))
            vals.append(cur)
        return vals

    def general(self, variant: str) -> dict[str, sympy.Expr]:
        """Every quantity at a general step t from the previous states (symbols key[t-1]) and w^t, g^t."""
        if variant in self._general:
            return self._general[variant]
        r, rewrite = self._rule(variant)
        cur: dict[str, sympy.Expr] = {"g": sympy.Symbol("g[t]"), "w": sympy.Symbol("w[t]")}

        def known(key: str, t: sympy.Expr) -> sympy.Expr:
            return cur[key] if t == T else sympy.Symbol(f"{key}[{t}]")
        for rec in r.recurrences:
            cur[rec.key] = self._apply(rec.key, rec.rhs, rewrite, known, T)
        cur["w+"] = cur["w"] - sum(self._apply("w", lambda s, t, i=i: r.update(s, t)[i], rewrite, known, T)
                                   for i in range(len(r.update(_ph, T))))
        self._general[variant] = cur
        return cur

    @staticmethod
    def _apply(key: str, f, rewrite, known, t: sympy.Expr) -> sympy.Expr:
        # the recurrence on placeholders first (so a rewrite sees sqrt(v) + ε as written), then the values
        template = rewrite(key, ev(f(_ph, t)))
        subs = {}
        for p in ordered_symbols(template):
            if p in _PLACES:
                key2, t2 = _PLACES[p]
                val = known(key2, t2)
                if val is None:
                    raise Unresolved(f"{key2} at step {t2} is not defined")
                subs[p] = val
        return template.xreplace(subs)

    # ------------------------------------------------------------------------------------------ notation
    def resolve(self, sym: sympy.Symbol, lhs: bool = False) -> tuple:
        if not isinstance(sym, Written):
            raise Unresolved(f"{sym} is not a quantity of this problem")
        full = f"{sym.base}_{sym.sub}" if sym.sub else sym.base
        if sym.base == "t" and not sym.deco and not sym.sub:
            return ("t",)
        if not sym.deco and not sym.time:
            letter = self.letter(full)
            if letter is not None:
                return ("hyper", letter)
        if sym.base in ("w", "theta") and not sym.deco:
            time = sym.time or sym.sub
            if not time:
                raise Unresolved(f"{sym.base} needs a step index here (e.g. {sym.base}^t)")
            k = _index(time) + self.offsets.get(sym.base, 0)   # θ_t is the weight after t steps: w^{t+1}
            return ("seq", "w", k)
        key = self.keys.get((sym.deco, sym.base))
        if key is not None:
            time = sym.time or sym.sub
            if not time:
                raise Unresolved(f"{sym.base} needs a step index here (e.g. {sym.base}^t)")
            shift = self.offsets.get("g", 0) if key == "g" and not sym.deco else 0   # a sheet counting from g^0
            return ("seq", key, _index(time) + shift)
        raise Unresolved(f"{latex(sym)} is not a quantity of this problem")

    def candidates(self, name: str) -> tuple[sympy.Symbol, ...]:
        """The quantities of this problem a hyperparameter letter may stand for, the usual one first."""
        have = set(self.values) | {EPS}
        return tuple(c for c in _CANDIDATES.get(name, ()) if c in have)

    def letter(self, name: str) -> sympy.Symbol | None:
        if name in self.choice:
            return self.choice[name]
        cands = self.candidates(name)
        if cands:
            return cands[0]
        return _LETTERS.get(name) if name in ("epsilon", "varepsilon", "lambda") else None

    def meaning(self, key: tuple, variant: str = "", gmod: bool = False) -> sympy.Expr:
        if key[0] == "t":
            return T
        if key[0] == "hyper":
            return key[1]
        _, name, k = key
        if name == "g" and not gmod:
            return sympy.Symbol(f"g[{k}]")   # a gradient the writer names is the raw one
        if name == "g'":
            name = "g"
        general = not k.is_Integer
        if general:
            off = k - T
            if not off.is_Integer:
                raise Unresolved(f"the step index {k} is not understood")
            if name == "w":
                return self.general(variant)["w+"] if off == 1 else sympy.Symbol(f"w[{k}]")
            return self.general(variant)[name] if off == 0 else sympy.Symbol(f"{name}[{k}]")
        k = int(k)
        if k < 0:
            raise Unresolved(f"step {k} is not defined")
        if k > MAX_STEP:   # the closed forms grow with every step: a sheet unrolls a few by hand
            raise Unresolved(f"step {k} is beyond the {MAX_STEP} steps unrolled for checking")
        if name == "w":
            if k < 1:
                raise Unresolved("the first weight is w^1 (θ_0)")
            return sympy.Symbol("w[1]") if k == 1 else self.steps(variant, k - 1)[k - 1]["w+"]
        value = self.steps(variant, k)[k].get(name)
        if value is None and name == "b" and k == 0:
            return sympy.Integer(0)   # b^0 = 0 with b^1 = μ b^0 + g^1 is PyTorch's b^1 = g^1 (undamped)
        if value is None:
            raise Unresolved(f"{name} at step {k} is not defined")
        return value

    def to_base(self, e: sympy.Expr, variant: str = "", gmod: bool = False) -> sympy.Expr:
        return e.xreplace({s: self.meaning(self.resolve(s), variant, gmod) for s in ordered_symbols(e)})

    # ------------------------------------------------------------------------------------------ comparison
    def same(self, a: sympy.Expr, b: sympy.Expr, approx: bool = False) -> bool:
        if approx:
            a, b = a.subs(EPS, 0), b.subs(EPS, 0)
        return same_function(a, b, _points)

    def same_at_values(self, side: sympy.Expr, lhs: sympy.Expr, approx: bool = False) -> bool:
        """``s_t = 0.8 s_{t-1} + 0.2 g_t^2``: a rule with the hyperparameters written in as their values, the same
        at this problem's values (ε stays a letter: at its value, inside or outside the root looks alike)."""
        exponents = {p.exp for p in side.atoms(sympy.Pow)}   # the ½ of a root is not a value written in
        if not self.values or not any(a.is_Float or (a.is_Rational and not a.is_Integer)
                                      for a in side.atoms(sympy.Number) - exponents):
            return False
        at = {s: sympy.nsimplify(v) for s, v in self.values.items() if s != EPS}
        return self.same(side.xreplace(at), lhs.xreplace(at), approx)

    # ------------------------------------------------------------------------------------------ the writer's numbers
    def trajectory(self, variant: str, env: Mapping[tuple[str, int], tuple[float, float]], mode: str,
                   upto: int) -> tuple[dict, dict]:
        """The numeric steps 1..upto computed from the writer's own values (error carried forward).

        ``env``: (key, step) -> (value, tolerance) the writer wrote ("g" raw gradient, "g'" the rewritten one, the
        states, "w" the weight before a step, seed index). Returns (expected, used): ``expected`` is what each
        quantity is given the values it is computed from, ``used`` what later steps are computed from -- the
        writer's value where they wrote one (mode "a": every written value, as rounded; mode "b": only values that
        are wrong, the calculator's exact ones otherwise), else the expected one."""
        key_ = (variant, mode, tuple(sorted(env.items())), upto)
        hit = self._traj.get(key_)
        if hit is not None:
            return hit
        base, eps0 = (variant[:-len(EPS0)], True) if variant.endswith(EPS0) else (variant, False)
        r, rewrite = self._rule(base)
        values = {**{str(s): float(v) for s, v in self.numbers.items()}}
        hyper = {s: sympy.Float(0 if eps0 and s == EPS else float(v), 30) for s, v in self.values.items()}
        expected: dict[tuple[str, int], float] = {}
        used: dict[tuple[str, int], float] = {}

        def take(key: str, k: int, value: float) -> float:
            expected[(key, k)] = value
            w = env.get((key, k))
            if w is not None and (mode == "a" or abs(w[0] - value) > w[1] * 1.0001 + 1e-12 * max(1, abs(value))):
                value = w[0]
            used[(key, k)] = value
            return value
        for rec in r.recurrences:
            if rec.init is not None:
                take(rec.key, 0, float(rec.init))
        if "b" in {rec.key for rec in r.recurrences}:
            take("b", 0, 0.0)
        w = take("w", 1, values.get("w[1]", 0.0))
        for k in range(1, upto + 1):
            if f"g[{k}]" not in values:
                break
            cur: dict[str, float] = {"g": take("g", k, values[f"g[{k}]"]), "w": w}

            def known(key: str, t: sympy.Expr, _cur=cur, _k=k) -> Any:
                if int(t) == _k:
                    return sympy.Float(_cur[key], 30)
                v = used.get((key, int(t)))
                return None if v is None else sympy.Float(v, 30)
            try:
                for rec in r.recurrences:
                    f = rec.first if (rec.first is not None and k == 1) else rec.rhs
                    val = float(num(self._apply(rec.key, f, rewrite, known, sympy.Integer(k)).xreplace(hyper),
                                    exact=False))
                    cur[rec.key] = take("g'" if rec.assign else rec.key, k, val)
                if not any(rec.assign for rec in r.recurrences):
                    take("g'", k, cur["g"])
                step = sympy.Add(*(self._apply("w", lambda s_, t, i=i: r.update(s_, t)[i], rewrite, known,
                                               sympy.Integer(k)) for i in range(len(r.update(_ph, T)))))
                w = take("w", k + 1, cur["w"] - float(num(step.xreplace(hyper), exact=False)))
            except (Unresolved, ArithmeticError, TypeError, ValueError):
                break
        out = (expected, used)
        if len(self._traj) > 2000:
            self._traj.clear()
        self._traj[key_] = out
        return out

    def numeric(self, e: sympy.Expr) -> sympy.Expr | None:
        """The value of ``e`` with the problem's numbers, or None when it still depends on something unknown."""
        if not self.numbers:
            return None
        v = e.xreplace(self.numbers).xreplace(self.values)
        return num(v) if not v.free_symbols else None


def _swap(r: Rule, key: str, **changes: Any) -> Rule:
    return replace(r, recurrences=tuple(replace(rec, **changes) if rec.key == key else rec for rec in r.recurrences))


_PLACES: dict[sympy.Symbol, tuple[str, sympy.Expr]] = {}


def _ph(key: str, t: sympy.Expr) -> sympy.Symbol:
    """A placeholder for a quantity at a step (positive for the accumulators, so their roots stay roots)."""
    p = sympy.Symbol(f"@{key}[{t}]", positive=key in ("G", "v", "vhat", "vmax") or None)
    _PLACES[p] = (key, t)
    return p


def _is_g_squared(x: sympy.Basic) -> bool:
    return bool(x.is_Pow and x.exp == 2 and _PLACES.get(x.base, ("",))[0] == "g")


def _move_eps(e: sympy.Expr, how: str) -> sympy.Expr:
    def fix(x: sympy.Expr) -> sympy.Expr:
        roots = [a for a in x.args if a.is_Pow and a.exp == sympy.S.Half]
        if len(roots) != 1:
            return x
        rest = [a for a in x.args if a is not roots[0] and a != EPS]
        inner = roots[0].base + EPS
        return sympy.Add(sympy.sqrt(inner) if how == "eps-root" else inner, *rest)
    return e.replace(lambda x: x.is_Add and EPS in x.args, fix)


def _index(text: str) -> sympy.Expr:
    m = re.fullmatch(r"(t|\d+)([+-]\d+)?", text.replace(" ", ""))
    if not m:
        raise Unresolved(f"the step index {text} is not understood (use t, t-1, t+1 or a number)")
    base = T if m.group(1) == "t" else sympy.Integer(int(m.group(1)))
    return base + (int(m.group(2)) if m.group(2) else 0)


def _domain(s: sympy.Symbol, k: int) -> Draw:
    """How a sample value is drawn: decays in (0, 1), positive rates and accumulators, gradients and weights of
    either sign."""
    if s in _DECAYS:
        return Draw(5, 95)
    if s == T:
        return Draw(150, 450)
    if s.name.startswith(("v[", "G[", "vmax[", "vhat[")) or s in (ALPHA, EPS, LAM, ETA):
        return Draw(5, 90, shift=5 if s.name[0] in "vG" else 0)
    if s.name.startswith("gbar["):
        return Draw(10, 50, sign="±")
    return Draw(20, 300, sign="±")


def _points(symbols: list[sympy.Symbol]) -> list[dict]:
    """Three sample points; each value from its own generator ("name:k"), whatever the other symbols."""
    return sample_points(symbols, 3, _domain, seed=None)
