"""A tiny helper for writing hand-rounded traces.

A ``Chain`` evaluates every step twice: with the exact values of the earlier steps, and with the values as the
writer wrote them (rounded to ``sf`` significant figures, or to ``dp`` decimals).  It reports the written value and
flags a step whose written value is not the exact value rounded to the same precision (rounding drift).

Steps marked ``wrong=True`` are the writer's mistakes: their "exact" value is the mistaken formula evaluated exactly,
so later steps are checked against the writer's own (error-carried-forward) world.  ``truth`` optionally gives the
value of the correct derivation, to show how far the mistake moves the answer.
"""
from __future__ import annotations

import math


def rnd(x: float, sf: int | None = 4, dp: int | None = None) -> float:
    if dp is not None:
        return round(x, dp)
    if x == 0:
        return 0.0
    d = sf - int(math.floor(math.log10(abs(x)))) - 1
    return round(x, d)


def fmt(x: float, sf: int | None = 4, dp: int | None = None) -> str:
    if dp is not None:
        return f"{x:.{dp}f}"
    if x == 0:
        return "0"
    d = sf - int(math.floor(math.log10(abs(x)))) - 1
    if d <= 0:
        return f"{round(x):d}" if abs(x) >= 1 else f"{x:g}"
    return f"{x:.{d}f}"


class Chain:
    def __init__(self, title: str):
        self.title = title
        self.ex: dict[str, float] = {}
        self.wr: dict[str, float] = {}
        self.rows: list[tuple] = []

    def given(self, **kw: float) -> None:
        for k, v in kw.items():
            self.ex[k] = v
            self.wr[k] = v
            self.rows.append((k, fmt(v, 6), v, "", ""))

    def step(self, name: str, f, sf: int | None = 4, dp: int | None = None, wrong: bool = False, truth=None,
             exact_only: bool = False) -> float:
        e = f(self.ex)
        w_raw = f(self.wr) if not exact_only else e
        w = rnd(w_raw, sf, dp)
        flag = ""
        if rnd(e, sf, dp) != w:
            flag = f"DRIFT exact={e:.7g}"
        self.ex[name] = e
        self.wr[name] = w
        note = "WRONG" if wrong else ""
        if truth is not None:
            note += f" truth={truth:.7g}"
        self.rows.append((name, fmt(w, sf, dp), e, flag, note))
        return w

    def show(self) -> None:
        print(f"\n=== {self.title}")
        for name, s, e, flag, note in self.rows:
            print(f"  {name:12s} {s:>14s}   exact {e: .8g}  {flag} {note}")
