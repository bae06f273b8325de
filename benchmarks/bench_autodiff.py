"""Autodiff scale: graphs of thousands of nodes, and sums of many inputs, must not swell. Prints the figures.

    python benchmarks/bench_autodiff.py                  # everything (each case in its own process)
    python benchmarks/bench_autodiff.py --only sums      # many-input sums only (sums | chain | shared | parse | seed)
    python benchmarks/bench_autodiff.py --timeout 30     # give up on a case after 30 s (reported as "> 30 s")

Each case runs in a fresh process, so the "peak MB" column is that case's own process peak (resident set, after
importing derive and SymPy, which is ~100 MB of it). "derive" is ``derive.autodiff`` (parse, graph, values,
adjoints, tangents), "LaTeX" is ``to_latex()`` (the worked lines and the document), "B/node" is bytes of LaTeX per
graph node.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

PARTS = ("chain", "forward", "tangent", "reverse")


# ----------------------------------------------------------------------------------------------- the cases

def sum_case(n: int) -> tuple[str, str]:
    """``x0 + x1 + … + x{n-1}`` at x_k = k + 1: n inputs, n - 1 nodes. Plain text, because a LaTeX sum of 700
    subscripted inputs is over the 5,000-character input limit (and LaTeX reading is timed apart, see ``parse``)."""
    return "+".join(f"x{k}" for k in range(n)), ",".join(f"x{k}={k + 1}" for k in range(n))


def chain_function(depth: int):
    """A deep chain: s = sin(s) · x + y, ``depth`` times: 3 nodes a level, every node on the one long path."""
    from derive import sin

    def f(x, y):
        s = x
        for _ in range(depth):
            s = sin(s) * x + y
        return s
    return f


def shared_function(n: int):
    """A traced sum of n terms sharing one subexpression x*y: about 6n nodes, heavy fan-out on the shared node.
    (Traced, because a typed expression this long is over the input-size limit for untrusted text.)"""
    from derive import exp, sin

    def f(x, y):
        s = 0
        for k in range(1, n + 1):
            s = s + sin(k * (x * y)) * exp(-y / k)
        return s
    return f


def run_case(kind: str, n: int, parts: str) -> dict:
    """One measurement, in this process (the parent starts a fresh process per case)."""
    import resource
    import derive
    from derive.render import render
    via = "text"
    if kind == "sum":
        expr, at = sum_case(n)
        try:
            from derive.parse import parse
            parse(expr)
        except derive.DeriveError:   # plain text of ~1,000 terms nests too deeply for derive/parse.py's reader
            import sympy
            expr, via = sympy.Add(*(sympy.Symbol(f"x{k}") for k in range(n)), evaluate=False), "sympy"
    elif kind == "chain":
        expr, at = chain_function(n), "x=0.5,y=0.25"
    elif kind == "shared":
        expr, at = shared_function(n), "x=0.5,y=1.5"
    elif kind == "parse":
        from derive.parse import parse
        parse("x_{1}+x_{2}")    # the LaTeX grammar's one-off start-up is not what is measured
        text = "+".join(f"x_{{{k}}}" for k in range(n))
        t0 = time.perf_counter()
        parse(text)
        return {"derive": time.perf_counter() - t0, "latex": 0.0, "nodes": n - 1, "bytes": 0,
                "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "chars": len(text)}
    elif kind == "seed":
        expr, at = r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)", "c=3,x=5"
    else:
        raise SystemExit(f"unknown case {kind}")
    kw = dict(log_base="10", rounding="handwritten") if kind == "seed" else {}
    t0 = time.perf_counter()
    r = derive.autodiff(expr, at=at, parts=parts, **kw)
    t1 = time.perf_counter()
    tex = render(r, "latex")
    t2 = time.perf_counter()
    grad_ok = None
    if kind == "sum":
        grad_ok = all(v == 1 for v in r.gradient.values())
    return {"derive": t1 - t0, "latex": t2 - t1, "nodes": len(r.nodes), "bytes": len(tex.encode()),
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "grad_ok": grad_ok, "via": via}


def measure(kind: str, n: int, parts: str, timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--case", kind, str(n), parts]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise SystemExit(f"{kind} {n} {parts} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------------------- the table

def row(label: str, n: int, parts: str, m: dict | None, timeout: float) -> str:
    if m is not None and m.get("via") == "sympy":
        label += "*"
    head = f"{label:7s} {n:5d}  {parts:27s}"
    if m is None:
        return f"{head} > {timeout:.0f} s (stopped)"
    per = m["bytes"] / m["nodes"] if m["nodes"] else 0.0
    extra = "" if m.get("grad_ok") in (None, True) else "  WRONG GRADIENT"
    return (f"{head} {m['nodes']:6d} {m['derive']:8.2f} {m['latex']:8.2f} {m['derive'] + m['latex']:8.2f} "
            f"{m['peak']:8.0f} {m['bytes']:11d} {per:8.0f}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["sums", "chain", "shared", "parse", "seed"], action="append")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--sizes", default="100,300,700,1000", help="input counts of the sums")
    ap.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.case:
        print(json.dumps(run_case(a.case[0], int(a.case[1]), a.case[2])))
        return
    only = set(a.only or ["sums", "chain", "shared", "parse", "seed"])
    print("case      n  parts                        nodes  derive s  LaTeX s  total s  peak MB  LaTeX bytes  B/node")
    if "sums" in only:
        for n in (int(s) for s in a.sizes.split(",")):
            for parts in (*PARTS, ",".join(PARTS)):
                print(row("sum", n, parts, measure("sum", n, parts, a.timeout), a.timeout), flush=True)
    if "chain" in only:   # a deep chain: one long path, depth = nodes / 3
        for n in (300, 1000, 3000):
            parts = ",".join(PARTS)
            print(row("chain", n, parts, measure("chain", n, parts, a.timeout), a.timeout), flush=True)
    if "shared" in only:  # README's figure: a traced sum of n terms sharing one node
        for n in (100, 400, 1000):
            parts = "chain,forward,reverse"
            print(row("shared", n, parts, measure("shared", n, parts, a.timeout), a.timeout), flush=True)
    if "parse" in only:   # reading a LaTeX sum x_{0} + … (derive/parse.py through latex2sympy2): time to parse only
        for n in (100, 300):
            print(row("parse", n, "(LaTeX parse only)", measure("parse", n, "-", a.timeout), a.timeout), flush=True)
    if "seed" in only:
        print(row("seed", 2, ",".join(PARTS), measure("seed", 2, ",".join(PARTS), a.timeout), a.timeout))
    print("sum* = given as a SymPy expression: the plain text of ~1,000 terms is refused by derive/parse.py "
          "(nested too deeply), and a LaTeX sum of 700 subscripted inputs is over the 5,000-character limit.")


if __name__ == "__main__":
    main()
