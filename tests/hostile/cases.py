"""The hostile-input table: what a mischievous student or a new user throws at derive, and what they should get.

Each row is a ``Case`` (see harness.py): an id, the command line (``"derive"`` is the installed command), files to
create in a fresh folder, stdin, the acceptable outcome classes and limits. Expected outcomes are what a demanding
user expects (issue 9, "What to deliver"), not what derive does today:

* a refusal is one clear line and exit 2, in under 2 s of CPU and 300 MB;
* an answer (exit 0) is right — checked here against an independent computation (plain Python, fractions, mpmath);
* TeX that reaches a .tex/.md/.pdf has no live \\input, \\jobname, \\catcode, \\write, \\openout, \\loop, ^^ …,
  and nothing of a file outside the problem folder (a secret file, /etc/passwd) ever appears in any output;
* a batch with one bad item keeps the others.

Placeholders in argv and file contents: @TMP@ (the case's folder, also the working directory), @SECRET@ (a file
outside it whose text must never leak), @OUTSIDE@ (a folder beside it with a valid net.toml and sheet.md),
@REPO@, @EXAMPLES@.
"""
from __future__ import annotations

import json
import math
import re
import sys
from decimal import Decimal, getcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Big, Case, Dir, Fifo, Symlink  # noqa: E402

getcontext().prec = 60
getcontext().Emax = 10 ** 9
getcontext().Emin = -10 ** 9

CASES: list[Case] = []
API_CASES: list[Case] = []


def add(case: Case) -> Case:
    assert all(c.id != case.id for c in CASES), case.id
    CASES.append(case)
    if case.api:
        API_CASES.append(case)
    return case


def err(id, argv, area, what="", **kw):
    return add(Case(id, argv, ("error",), area, what, **kw))


def ok(id, argv, area, pred=None, what="", **kw):
    return add(Case(id, argv, ("ok",), area, what, pred=pred, **kw))


def either(id, argv, area, expect, pred=None, what="", **kw):
    return add(Case(id, argv, tuple(expect), area, what, pred=pred, **kw))


D = "derive"


# ------------------------------------------------------------------------------------------------ number helpers
def num(x) -> Decimal:
    """A number from derive's JSON: a Decimal (strict_json), or a string such as '1e-800', '1/3', '-2'."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (int, float)):
        return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    if isinstance(x, str):
        s = x.strip().replace(" ", "")
        if "/" in s:
            a, b = s.split("/", 1)
            return Decimal(a) / Decimal(b)
        m = re.fullmatch(r"([-+0-9.]+)\*10\*\*\(?([-+0-9]+)\)?", s)
        if m:
            return Decimal(m.group(1)) * (Decimal(10) ** int(m.group(2)))
        return Decimal(s)
    raise TypeError(f"not a number: {x!r}")


def near(a, b, rel=1e-9, abs_=0.0) -> bool:
    a, b = num(a), num(b)
    if not a.is_finite():
        return False
    return abs(a - b) <= max(Decimal(repr(rel)) * abs(b), Decimal(repr(abs_)))


def grads_of(d: dict) -> dict:
    return {re.sub(r"[{}\s]", "", k): v for k, v in d["gradient"].items()}


def ad(value=None, grads=None, rel=1e-9):
    """Predicate for `derive autodiff ... --format json`: the value and the gradient, independently computed."""
    def p(run):
        d = run.json()
        if value is not None and not near(d["value"], value, rel):
            return f"value {d['value']} != {value}"
        if grads:
            g = grads_of(d)
            for k, v in grads.items():
                if k not in g:
                    return f"no gradient for {k} ({sorted(g)[:5]})"
                if not near(g[k], v, rel, abs_=1e-300 if v == 0 else 0):
                    return f"d/d{k} = {g[k]} != {v}"
        return None
    return p


def out_has(*subs, where="stdout"):
    def p(run):
        text = run.out if where == "stdout" else run.err
        missing = [s for s in subs if s not in text]
        return f"output lacks {missing}" if missing else None
    return p


def file_has(rel, *subs):
    def p(run):
        data = run.file(rel)
        if data is None:
            return f"{rel} was not written"
        text = data.decode("utf-8", "replace")
        missing = [s for s in subs if s not in text]
        return f"{rel} lacks {missing}" if missing else None
    return p


def pdf_ok(rel="out.pdf", *subs):
    def p(run):
        data = run.file(rel)
        if data is None or not data.startswith(b"%PDF"):
            return f"{rel} is not a PDF"
        text = run.pdf_text.get(rel)
        if text is None:
            return None  # no pdftotext: the .tex scan is the check
        missing = [s for s in subs if s not in text]
        return f"the PDF text lacks {missing}" if missing else None
    return p


def doc_out(rel):
    """Some document was produced: the file, or a LaTeX document on stdout."""
    def p(run):
        if run.file(rel) is not None or "\\documentclass" in run.out:
            return None
        return f"no {rel} and no document on stdout"
    return p


def all_of(*preds):
    def p(run):
        for q in preds:
            if q is None:
                continue
            why = q(run)
            if why:
                return why
        return None
    return p


# ------------------------------------------------------------------------------------------------ independent refs
def adam_ref(w0, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.Adam in float64, written out (Kingma & Ba, PyTorch's order of operations)."""
    w, m, v, out = w0, 0.0, 0.0, []
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1 ** t)
        vhat = v / (1 - b2 ** t)
        w = w - lr * mhat / (math.sqrt(vhat) + eps)
        out.append(w)
    return out


def adam_exact_first_step(w0, g, lr=1e-3, eps=1e-8):
    """Step 1 of Adam with exact arithmetic (no float overflow of g^2): w0 - lr*g/(|g| + eps)."""
    g = Decimal(repr(g)) if isinstance(g, float) else Decimal(g)
    return Decimal(repr(w0)) - Decimal(repr(lr)) * g / (abs(g) + Decimal(repr(eps)))


def traj(ref, rel=1e-9):
    def p(run):
        d = run.json()
        ws = d["weights"]
        if len(ws) != len(ref):
            return f"{len(ws)} weights, expected {len(ref)}"
        for k, (a, b) in enumerate(zip(ws, ref)):
            if not near(a, b, rel, abs_=1e-12):
                return f"weights[{k}] = {a} != {b}"
        return None
    return p


def vgg_params(cfg="16") -> int:
    cfgs = {"16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
            "11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]}
    c, total = 3, 0
    for v in cfgs[cfg]:
        if v != "M":
            total += c * v * 9 + v
            c = v
    for a, b in [(512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)]:
        total += a * b + b
    return total


def vgg16_rf() -> int:
    r, j = 1, 1
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        k, s = (2, 2) if v == "M" else (3, 1)
        r, j = r + (k - 1) * j, j * s
    return r


def lenet5_params() -> int:
    return (1 * 6 * 25 + 6) + (6 * 16 * 25 + 16) + (16 * 120 * 25 + 120) + (120 * 84 + 84) + (84 * 10 + 10)


def cnn_total(n):
    def p(run):
        d = run.json()
        return None if int(d["total_params"]) == n else f"total_params {d['total_params']} != {n}"
    return p


def check_wrong(line=None, at_least=1):
    """`derive check` reported at least one WRONG step (on the given line)."""
    def p(run):
        text = run.out + run.err
        if "WRONG" not in text and '"verdict": "wrong"' not in text:
            return "no WRONG finding in the report"
        if line is not None and not re.search(rf"line {line}\b", text) and f'"line": {line}' not in text:
            return f"no finding on line {line}"
        m = re.search(r"(\d+) wrong", text)
        if m and int(m.group(1)) < at_least:
            return f"only {m.group(1)} wrong, expected at least {at_least}"
        return None
    return p


def check_clean(run):
    text = run.out
    if "WRONG" in text:
        return "a correct sheet got a WRONG finding"
    m = re.search(r"(\d+) step\(s\) checked", text)
    if not m or int(m.group(1)) == 0:
        return "nothing was checked, yet it says OK"
    return None


# ------------------------------------------------------------------------------------------------ TOML helpers
def tq(s: str) -> str:
    """A TOML basic string."""
    return json.dumps(s, ensure_ascii=False)


AD1 = "[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = 'x^2 + c'\nat = \"c=3,x=5\"\n"          # 28; dx 10
AD3 = "[[problem]]\nnumber = \"3\"\nkind = \"autodiff\"\nexpr = 'x c'\nat = \"c=2,x=7\"\n"              # 14
GOOD_TEXT = "[[problem]]\nnumber = \"9\"\nkind = \"text\"\ntext = \"GOODPROBLEM stays\"\n"


def pset(*problems, title="Hostile", extra=""):
    return f"title = {tq(title)}\n{extra}\n" + "\n".join(problems)


def batch(bad_problem_toml: str, good=(("1", 28), ("3", 14)), bad="2", bad_value=None):
    """Predicate for a 3-problem set whose problem 2 fails: 1 and 3 solved and right, 2 shown as failed."""
    def p(run):
        data = run.json(run.file("out.json") or run.stdout)
        probs = {str(q.get("number")): q for q in data.get("problems", [])}
        for n, v in good:
            q = probs.get(n)
            if not q or q.get("error") or not q.get("data"):
                return f"problem {n} lost ({(q or {}).get('error')!r})"[:200]
            if not near(q["data"]["value"], v):
                return f"problem {n} value {q['data']['value']} != {v}"
        b = probs.get(bad)
        if b is None:
            return f"problem {bad} is missing from the document (not shown as failed)"
        if not b.get("error"):
            if bad_value is not None and b.get("data"):
                good_bad = bad_value(b["data"]) if callable(bad_value) else near(b["data"].get("value"), bad_value)
                if good_bad:
                    return None
            return f"problem {bad} is not marked as failed"
        return None
    return p


def bad2(body: str) -> str:
    return "[[problem]]\nnumber = \"2\"\n" + body + ("\n" if not body.endswith("\n") else "")


def solve_batch(id, body, what, bad_value=None, expect=("partial",), **kw):
    either(id, [D, "solve", "p.toml", "--format", "json"], "solve", expect,
           pred=batch(body, bad_value=bad_value), what=what,
           files={"p.toml": pset(AD1, bad2(body), AD3)}, **kw)


def inject_set(field_toml: str = 'text = "plain words"', problem: str | None = None, title="Hostile", extra="") -> str:
    """A set whose problem 1 carries the injection, and a good text problem 9."""
    p1 = problem if problem is not None else "[[problem]]\nnumber = \"1\"\nkind = \"text\"\n" + field_toml + "\n"
    return pset(p1, GOOD_TEXT, title=title, extra=extra)


def inject_pred(rel, pdf=False, need=()):
    base = pdf_ok(rel, *need) if pdf else doc_out(rel)
    return base


# sheets
WRONG_SHEET = "$$f = x c = 2 \\times 3 = 7$$\n"
RIGHT_SHEET = "$$f = x c = 6$$\n"
XC = ["--expr", "x*c", "--at", "x=2,c=3"]
SEED_SHEET = "@EXAMPLES@/seed_solution.md"
SEED_TOML = "@EXAMPLES@/seed.toml"


# ================================================================================================ autodiff: parsing
MALFORMED = {
    "frac-open": r"\frac{x}{", "caret-end": "x^", "left-no-right": r"\left( x + 1", "brace-close": "x}}",
    "sqrt-open": r"\sqrt[", "backslash": "\\", "double-sup": "x^^y", "equation": "x = 3", "paren-open": "(x+1",
    "abs-open": "|x", "plain-double-op": "x**/2", "ampersand": "x & 1",
}
for name, expr in MALFORMED.items():
    err(f"ad-malformed-{name}", [D, "autodiff", "--expr=" + expr, "--at", "x=2,y=3"], "parse",
        f"malformed/unbalanced LaTeX or plain text: {expr!r}")

err("ad-empty-expr", [D, "autodiff", "", "--at", "x=1"], "parse", "empty expression")
err("ad-blank-expr", [D, "autodiff", "   ", "--at", "x=1"], "parse", "blank expression")

UNKNOWN = {"foo": r"\foo(x)", "gamma": r"\Gamma(x)", "erf": r"\operatorname{erf}(x)",
           "integral": r"\int_0^1 x \, dx", "factorial": "x!", "plain-f": "f(x)"}
for name, expr in UNKNOWN.items():
    err(f"ad-unknown-{name}", [D, "autodiff", expr, "--at", "x=0.5"], "parse", f"unsupported function: {expr}")

# code-execution attempts through the plain-text reader: refused, and nothing runs
for name, expr in {
    "import": "__import__('os').system('touch @TMP@/pwned')",
    "dunder": "().__class__.__bases__[0].__subclasses__()",
    "lambda": "(lambda: x)()", "open": "open('/etc/passwd').read()",
}.items():
    err(f"ad-code-{name}", [D, "autodiff", expr, "--at", "x=2"], "parse", f"Python code as an expression: {expr}")

# ================================================================================================ autodiff: sizes
nest = lambda n, l="(", r=")", core="x": l * n + core + r * n  # noqa: E731
either("ad-nest-300", [D, "autodiff", nest(300), "--at", "x=3", "--format", "json"], "parse", ("ok", "error"),
       ad(3, {"x": 1}), "300 nested parentheses around x")
either("ad-nest-2000", [D, "autodiff", nest(2000), "--at", "x=3", "--format", "json"], "parse", ("ok", "error"),
       ad(3, {"x": 1}), "2000 nested parentheses")
either("ad-nest-sqrt-300", [D, "autodiff", nest(300, r"\sqrt{", "}"), "--at", "x=2", "--format", "json"],
       "parse", ("ok", "error"), ad(Decimal(2) ** (Decimal(1) / Decimal(2) ** 300), rel=1e-12),
       "300 nested square roots")
either("ad-nest-frac-2000", [D, "autodiff", nest(2000, r"\frac{1}{", "}"), "--at", "x=2", "--format", "json"],
       "parse", ("ok", "error"), ad(2, {"x": 1}), "2000 nested \\frac{1}{...} (even: the value is x)")
err("ad-long-40k", [D, "autodiff", "+".join(["x"] * 20000), "--at", "x=1"], "parse",
    "a 40,000-character expression")
err("ad-long-number", [D, "autodiff", "x*" + "1" * 40000, "--at", "x=1"], "numeric", "a 40,000-digit literal")
sum300 = "+".join(f"x{i}" for i in range(1, 301))
at300 = ",".join(f"x{i}={i}" for i in range(1, 301))
either("ad-sum-300", [D, "autodiff", sum300, "--at", at300, "--format", "json"], "numeric", ("ok", "error"),
       ad(sum(range(1, 301)), {"x1": 1, "x150": 1, "x300": 1}), "a 300-input sum (1,391 characters)",
       kill=15, cost=8)
sum700 = "+".join(f"x_{{{i}}}" for i in range(1, 701))
at700 = ",".join(f"x_{i}=1" for i in range(1, 701))
either("ad-sum-700", [D, "autodiff", sum700, "--at", at700, "--format", "json", "--parts", "forward,reverse"],
       "numeric", ("ok", "error"), ad(700, {"x_1": 1, "x_700": 1}), "a 700-input LaTeX sum", kill=15, cost=8)

# ================================================================================================ autodiff: numbers
err("ad-exp-tower", [D, "autodiff", "10^{10^{10}} + x", "--at", "x=1"], "numeric", "10^{10^{10}}")
err("ad-exp-x-huge", [D, "autodiff", "x^{10^{10}}", "--at", "x=2"], "numeric", "2^(10^10)")
either("ad-exp-x-huge-at1", [D, "autodiff", "x^{10^{10}}", "--at", "x=1", "--format", "json"], "numeric",
       ("ok", "error"), ad(1, {"x": 10 ** 10}), "1^(10^10): value 1, derivative 10^10")
err("ad-factorial-million", [D, "autodiff", "(10^6)! + x", "--at", "x=1"], "numeric", "(10^6)!")
either("ad-tower-2-5", [D, "autodiff", "2^{2^{2^{2^{2}}}} + x", "--at", "x=1", "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal(2) ** 65536 + 1, rel=1e-30), "2^65536 (19,729 digits)")
err("ad-plain-pow-tower", [D, "autodiff", "9**9**9**9 + x", "--at", "x=1"], "numeric", "9**9**9**9")
either("ad-x-tower", [D, "autodiff", "x**x**x**x**x", "--at", "x=2", "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal(2) ** 65536, rel=1e-30), "x**x**x**x**x at 2 = 2^65536")
either("ad-underflow", [D, "autodiff", "x*x", "--at", "x=1e-400", "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal("1e-800"), {"x": Decimal("2e-400")}), "x*x at x=1e-400 (float underflow)",
       on_accept="silently wrong")
either("ad-overflow", [D, "autodiff", "x*x", "--at", "x=1e200", "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal("1e400"), {"x": Decimal("2e200")}), "x*x at 1e200 = 1e400 (float overflow)",
       on_accept="silently wrong")
either("ad-exp-1000", [D, "autodiff", "e^{x}", "--at", "x=1000", "--format", "json"], "numeric", ("ok", "error"),
       ad(Decimal(1000).exp(), {"x": Decimal(1000).exp()}, rel=1e-12), "e^1000 ≈ 1.97e434")
either("ad-sigmoid-neg-1000", [D, "autodiff", r"\sigma(x)", "--at", "x=-1000", "--format", "json"], "numeric",
       ("ok", "error"), ad(1 / (1 + Decimal(1000).exp()), rel=1e-9), "σ(-1000) ≈ 5.08e-435 (not 0)",
       on_accept="silently wrong")
either("ad-at-1e999", [D, "autodiff", "2*x", "--at", "x=1e999", "--format", "json"], "numeric", ("ok", "error"),
       ad(Decimal("2e999"), {"x": 2}), "--at x=1e999 (beyond float)")
either("ad-at-1e-5000", [D, "autodiff", "x+1", "--at", "x=1e-5000", "--format", "json"], "numeric",
       ("ok", "error"), ad(1, {"x": 1}, rel=1e-12), "--at x=1e-5000")
either("ad-at-5000-digits", [D, "autodiff", "x+1", "--at", "x=" + "9" * 5000, "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal(10) ** 5000, {"x": 1}, rel=1e-12), "a 5,000-digit input value (> 4,300)")
either("ad-value-5000-digits", [D, "autodiff", "x^{5000}", "--at", "x=10", "--format", "json"], "numeric",
       ("ok", "error"), ad(Decimal(10) ** 5000, {"x": Decimal(5000) * Decimal(10) ** 4999}),
       "an exact value of 5,001 digits")
for name, expr, at in [("div-zero", "x/y", "x=1,y=0"), ("div-self", r"\frac{1}{x-x}", "x=1"),
                       ("log-neg", r"\log(x)", "x=-1"), ("sqrt-neg", r"\sqrt{x}", "x=-4"),
                       ("sqrt-zero-grad", r"\sqrt{x}", "x=0"), ("log-base-1", r"\log_{1} x", "x=2"),
                       ("zero-neg-pow", "0^{x}", "x=-1"), ("log-log-1", r"\ln(\ln(x))", "x=1")]:
    err(f"ad-domain-{name}", [D, "autodiff", expr, "--at", at], "numeric", f"{expr} at {at}",
        on_accept="silently wrong")

# ================================================================================================ autodiff: --at etc.
for name, at in [("missing", "x=1"), ("empty", ""), ("text", "x=abc"), ("duplicate", "x=1,x=2,y=3"),
                 ("nan", "x=nan,y=1"), ("inf", "x=inf,y=1")]:
    err(f"ad-at-{name}", [D, "autodiff", "x*y", "--at", at], "cli", f"--at {at!r}")
either("ad-at-unicode-digit", [D, "autodiff", "x*2", "--at", "x=٣", "--format", "json"], "cli", ("ok", "error"),
       ad(6, {"x": 2}), "an Arabic-Indic digit as the value")
err("ad-at-nonutf8", [D, "autodiff", "x*2", "--at", b"x=1\xff"], "cli", "non-UTF-8 bytes in --at")
either("ad-expr-nonutf8", [D, "autodiff", b"x\xff*2", "--at", "x=1"], "cli", ("error",),
       what="non-UTF-8 bytes in the expression")
either("ad-unicode-greek", [D, "autodiff", "α*β", "--at", "α=2,β=3", "--format", "json"], "cli", ("ok", "error"),
       ad(6), "Unicode Greek letters as symbols")
either("ad-unicode-sup", [D, "autodiff", "x²", "--at", "x=3", "--format", "json"], "parse", ("ok", "error"),
       ad(9, {"x": 6}), "a Unicode superscript two")
err("ad-wrt-unknown", [D, "autodiff", "x*2", "--at", "x=1", "--wrt", "z"], "cli", "--wrt names no input")
err("ad-wrt-empty", [D, "autodiff", "x*2", "--at", "x=1", "--wrt", ""], "cli", "--wrt ''")
for v in ["0", "1000000"]:
    err(f"ad-sigfigs-{v}", [D, "autodiff", "x*2", "--at", "x=1", "--sigfigs", v], "cli", f"--sigfigs {v}")
err("ad-parts-bogus", [D, "autodiff", "x*2", "--at", "x=1", "--parts", "bogus"], "cli", "--parts bogus")
err("ad-letter-empty", [D, "autodiff", "x*2", "--at", "x=1", "--letter", ""], "cli", "--letter ''")
err("ad-unknown-option", [D, "autodiff", "x*2", "--at", "x=1", "--fast"], "cli", "an unknown option")
err("ad-no-at", [D, "autodiff", "x*2"], "cli", "no --at")
err("ad-out-dev-full", [D, "autodiff", "x*2", "--at", "x=1", "-o", "/dev/full"], "paths", "-o /dev/full (disk full)")
err("ad-out-dir", [D, "autodiff", "x*2", "--at", "x=1", "-o", "@TMP@"], "paths", "-o a directory")
L5 = Decimal(5).log10()
A5 = Decimal(25) / L5                                       # x^2 / log10 x at x = 5
DA5 = (10 * L5 - 5 / Decimal(10).ln()) / L5 ** 2            # its derivative: (2x L - x/ln 10) / L^2
ok("ad-right-seed", [D, "autodiff", r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)",
                     "--at", "c=3,x=5", "--log-base", "10", "--format", "json"], "numeric",
   ad(A5 ** 2 - 9, {"c": -6, "x": 2 * A5 * DA5}, rel=1e-9),
   "the seed's expression (a^2 - c^2), checked against a hand-written derivative")

# ================================================================================================ TeX injection (autodiff)
JOB = r"x_{\text{\jobname}}"
CAT = r"x_{\text{\catcode 95 12 \input /etc/passwd }}"
LOOP = r"x_{\text{\loop\iftrue\repeat}}"
PCT = r"x_{\text{a%b}}"
SEC = r"x_{\text{\input{@SECRET@}}}"
CARET = r"x_{\text{^^5cinput{@SECRET@}}}"
INJ = {"jobname": JOB, "catcode-passwd": CAT, "loop": LOOP, "input-secret": SEC, "caret": CARET,
       "write18": r"x_{\text{\immediate\write18{touch pwned}}}"}
for name, sym in INJ.items():
    either(f"ad-inject-{name}", [D, "autodiff", f"{sym}^2 + 1", "--at", f"{sym}=3"], "latex", ("ok", "error"),
           None, f"TeX in a symbol name, LaTeX to stdout: {sym}")
either("ad-inject-at-name", [D, "autodiff", "x*2", "--at", r"x=1,\input{@SECRET@}=2"], "latex", ("error",),
       what="an --at name that is TeX code")
either("ad-inject-letter", [D, "autodiff", "x*2", "--at", "x=1", "--letter", r"\input{@SECRET@}"], "latex",
       ("ok", "error"), what="--letter is TeX code")
either("ad-inject-md", [D, "autodiff", f"{SEC}^2", "--at", f"{SEC}=3", "--format", "markdown"], "latex",
       ("ok", "error"), what="TeX in a symbol name, Markdown output")

# ================================================================================================ solve: TeX injection
SOLVE_INJ = [
    ("title-secret", dict(title=r"\input{@SECRET@}"), "pdf"),
    ("title-caret", dict(title=r"^^5cinput{@SECRET@}"), "tex"),
    ("title-catcode", dict(title=r"\catcode 95 12 \input /etc/passwd "), "tex"),
    ("title-def-loop", dict(title=r"\def\x{\x}\x"), "tex"),
    ("author-jobname", dict(extra="author = '\\jobname'"), "tex"),
    ("text-catcode", dict(field_toml="text = '\\catcode 95 12 \\input /etc/passwd '"), "tex"),
    ("text-write18", dict(field_toml="text = 'a%b \\immediate\\write18{touch pwned}'"), "tex"),
    ("number-openout", dict(problem="[[problem]]\nnumber = '1}\\immediate\\openout5=pwned.tex'\nkind = \"text\"\n"
                                    "text = \"x\"\n"), "tex"),
    ("label-loop", dict(problem=AD1 + "parts = [{ show = \"forward\", label = '\\loop\\iftrue\\repeat' }]\n"), "pdf"),
    ("part-text-secret", dict(problem=AD1 + "parts = [{ show = \"forward\", label = \"(a)\", "
                                            "text = '\\input{@SECRET@}' }]\n"), "tex"),
    ("symbol-jobname", dict(problem=f"[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '{JOB}^2'\n"
                                    f"at = '{JOB}=3'\n"), "tex"),
    ("symbol-catcode", dict(problem=f"[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '{CAT}^2'\n"
                                    f"at = '{CAT}=3'\n"), "pdf"),
    ("symbol-loop", dict(problem=f"[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '{LOOP} + 1'\n"
                                 f"at = '{LOOP}=3'\n"), "tex"),
    ("symbol-percent", dict(problem=f"[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '{PCT} + 1'\n"
                                    f"at = '{PCT}=3'\n"), "pdf"),
    ("symbol-figure-secret", dict(problem=f"[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '{SEC}^2'\n"
                                          f"at = '{SEC}=3'\nfigure = true\n"), "tex"),
    ("forward-letter", dict(problem=AD1 + "forward_letter = '\\input{@SECRET@}'\n"), "tex"),
    ("layer-name-tex", dict(problem="[[problem]]\nnumber = \"1\"\nkind = \"cnn\"\nspec = \"net.toml\"\n"
                                    "parts = [\"table\", \"receptive_field\", \"parameters\"]\n"), "tex"),
]
NET_INJ = ('name = "\\\\jobname"\ninput = [3, 32, 32]\n\n[[layers]]\nname = \'\\input{@SECRET@}\'\ntype = "conv2d"\n'
           'out_channels = 8\nkernel_size = 3\n\n[[layers]]\nname = \'c2\\loop\\iftrue\\repeat\'\ntype = "conv2d"\n'
           'out_channels = 8\nkernel_size = 3\n')
for name, kw, kind in SOLVE_INJ:
    rel = "out.pdf" if kind == "pdf" else "out.tex"
    files = {"p.toml": inject_set(**kw)}
    if "layer" in name:
        files["net.toml"] = NET_INJ
    either(f"solve-inject-{name}", [D, "solve", "p.toml", "-o", rel], "latex", ("ok", "error", "partial"),
           inject_pred(rel, pdf=kind == "pdf"), f"TeX injection through a problem-set field → {rel}",
           files=files, hang=25 if kind == "pdf" else 10, cost=6 if kind == "pdf" else 1,
           ok_cpu=20 if kind == "pdf" else 10, refuse_cpu=15 if kind == "pdf" else 2)
either("solve-special-chars-pdf", [D, "solve", "p.toml", "-o", "out.pdf"], "latex", ("ok",),
       pdf_ok("out.pdf", "50%", "&", "$5", "#1", "a_b"), "a title and text full of TeX specials must print as typed",
       files={"p.toml": pset("[[problem]]\nnumber = \"1\"\nkind = \"text\"\n"
                             "text = '50% & $5 #1 a_b {c} ~d ^e \\\\f'\n", title="50% & $5 #1 a_b {c} ~ ^")},
       hang=25, cost=6, ok_cpu=20, refuse_cpu=15)
either("solve-unicode-pdf", [D, "solve", "p.toml", "-o", "out.pdf"], "latex", ("ok", "error"),
       pdf_ok("out.pdf", "bung"), "a Unicode title (umlaut, ∂, CJK, emoji) → PDF",
       files={"p.toml": pset("[[problem]]\nnumber = \"1\"\nkind = \"text\"\ntext = \"Grüße ∂f/∂x ≥ 0\"\n",
                             title="Übung 3 — ∂f/∂x ≥ 0 中文 😀")}, hang=25, cost=6, ok_cpu=20, refuse_cpu=15)
ok("solve-unicode-md", [D, "solve", "p.toml", "--format", "markdown"], "solve", out_has("Übung 3 — ∂f/∂x 😀"),
   "a Unicode title in Markdown", files={"p.toml": pset(AD1, title="Übung 3 — ∂f/∂x 😀")})

# ================================================================================================ solve: batches
solve_batch("solve-batch-unknown-kind", 'kind = "quantum"', "one problem of an unknown kind")
solve_batch("solve-batch-log-neg", "kind = \"autodiff\"\nexpr = '\\log x'\nat = \"x=-1\"", "log of a negative number")
solve_batch("solve-batch-exp-tower", "kind = \"autodiff\"\nexpr = '10^{10^{10}} x'\nat = \"x=1\"", "10^{10^{10}}")
solve_batch("solve-batch-digits", "kind = \"autodiff\"\nexpr = 'x^{5000}'\nat = \"x=10\"",
            "an exact value of 5,001 digits (> 4,300) in problem 2", bad_value=Decimal(10) ** 5000,
            expect=("partial", "ok"))
solve_batch("solve-batch-nest", "kind = \"autodiff\"\nexpr = '" + nest(5000) + "'\nat = \"x=1\"",
            "5,000 nested parentheses in problem 2")
solve_batch("solve-batch-lr-neg", 'kind = "optimizer"\noptimizer = "adam"\noptions = { lr = -1 }\n'
            'trajectory = { w0 = 0.5, grads = [0.3] }', "Adam with lr = -1")
solve_batch("solve-batch-grads-overflow", 'kind = "optimizer"\noptimizer = "adam"\n'
            'trajectory = { w0 = 0.5, grads = [1e200, 1e200] }', "Adam with gradients 1e200",
            bad_value=lambda d: near(d["weights"][0], adam_exact_first_step(0.5, 1e200), 1e-6),
            expect=("partial", "ok"))
solve_batch("solve-batch-cnn-preset", 'kind = "cnn"\npreset = "vgg17"', "an unknown CNN preset")
solve_batch("solve-batch-at-int", "kind = \"autodiff\"\nexpr = 'x'\nat = 5", "at = 5")
solve_batch("solve-batch-parts-str", "kind = \"autodiff\"\nexpr = 'x'\nat = \"x=1\"\nparts = \"chain\"\n"
            "figure = \"yes\"", "parts = 'chain', figure = 'yes'", expect=("partial", "ok"), bad_value=1)
solve_batch("solve-batch-sum-300", "kind = \"autodiff\"\nexpr = '" + sum300 + "'\nat = '" + at300 + "'",
            "a 300-input sum in problem 2", bad_value=sum(range(1, 301)), expect=("partial", "ok"), kill=20,
            cost=8)
either("solve-batch-latex", [D, "solve", "p.toml"], "solve", ("partial",),
       out_has("&= 28", "&= 14"), "one failing problem, LaTeX output: problems 1 and 3 still there",
       files={"p.toml": pset(AD1, bad2("kind = \"autodiff\"\nexpr = '\\log x'\nat = \"x=0\""), AD3)})
either("solve-batch-pdf", [D, "solve", "p.toml", "-o", "out.pdf"], "solve", ("partial",),
       pdf_ok("out.pdf", "28", "14"), "one failing problem, PDF output", hang=25, cost=6, ok_cpu=20, refuse_cpu=15,
       files={"p.toml": pset(AD1, bad2("kind = \"autodiff\"\nexpr = '\\frac{1}{x-x}'\nat = \"x=1\""), AD3)})
ok("solve-seed-json", [D, "solve", "--format", "json"], "solve",
   lambda r: (lambda d: None if near(d["problems"][0]["data"]["gradient"]["x"], Decimal("705.8"), 1e-9)
              and near(d["problems"][0]["data"]["value"], Decimal("1272.6")) else "seed problem 1 wrong")(r.json()),
   "the seed homework (handwritten rounding: 1272.6, 705.8)")

# ================================================================================================ solve: whole-file errors
err("solve-invalid-toml", [D, "solve", "p.toml"], "solve", "invalid TOML", files={"p.toml": "title = \n[[problem]\n"},
    err_re=r"line|p\.toml")
err("solve-empty-set", [D, "solve", "p.toml"], "solve", "a problem set with no problems",
    files={"p.toml": 'title = "Empty"\n'})
err("solve-nul-byte", [D, "solve", "p.toml"], "solve", "a NUL byte in the TOML",
    files={"p.toml": b'title = "a\x00b"\n' + AD1.encode()})
err("solve-nonutf8", [D, "solve", "p.toml"], "solve", "Latin-1 bytes in the TOML",
    files={"p.toml": b'title = "\xdcbung"\n' + AD1.encode()})
either("solve-escaped-nul", [D, "solve", "p.toml", "--format", "markdown"], "solve", ("ok", "error"),
       out_has("GOOD"), "a \\u0000 escape in the title", files={"p.toml": pset(AD1, title="GOOD\u0000X")})
either("solve-5000-problems", [D, "solve", "p.toml", "--format", "markdown"], "solve", ("ok", "error"),
       out_has("T4999 done"), "5,000 text problems",
       files={"p.toml": pset(*[f"[[problem]]\nnumber = \"{i}\"\nkind = \"text\"\ntext = \"T{i} done\"\n"
                               for i in range(5000)])}, cost=4)
err("solve-deep-toml", [D, "solve", "p.toml"], "solve", "a TOML array nested 100,000 deep",
    files={"p.toml": "title = " + "[" * 100000 + "]" * 100000 + "\n"})
for name, spec in [("dev-zero", None), ("fifo", Fifo()), ("big", Big(50)), ("symlink-passwd", Symlink("/etc/passwd"))]:
    if name == "dev-zero":
        err("solve-file-dev-zero", [D, "solve", "/dev/zero"], "paths", "the problem set is /dev/zero")
    elif name == "missing":
        err("solve-file-missing", [D, "solve", "nosuch.toml"], "paths", "a file that does not exist")
    else:
        err(f"solve-file-{name}", [D, "solve", "p.toml"], "paths", f"the problem set is a {name}",
            files={"p.toml": spec})
err("solve-file-passwd", [D, "solve", "/etc/passwd"], "paths", "solve /etc/passwd (must not quote it)")
err("solve-out-unknown-ext", [D, "solve", "p.toml", "-o", "out.docx"], "cli", "-o with an unknown extension",
    files={"p.toml": pset(AD1)})

# spec paths inside a problem set
SPEC_PROBLEM = "[[problem]]\nnumber = \"1\"\nkind = \"cnn\"\nspec = {spec}\nparts = [\"table\", \"parameters\"]\n"
for name, spec_value, files in [
    ("climb", "'../../../outside/net.toml'", {}),
    ("absolute-outside", "'@OUTSIDE@/net.toml'", {}),
    ("etc-passwd", "'/etc/passwd'", {}),
    ("dev-zero", "'/dev/zero'", {}),
    ("fifo", "'net.toml'", {"p/net.toml": Fifo()}),
    ("big", "'net.toml'", {"p/net.toml": Big(50)}),
    ("symlink-passwd", "'net.toml'", {"p/net.toml": Symlink("/etc/passwd")}),
    ("symlink-outside", "'net.toml'", {"p/net.toml": Symlink("@OUTSIDE@/net.toml")}),
    ("nul", "\"net\\u0000.toml\"", {}),
]:
    files = dict(files)
    files["p/p.toml"] = pset(SPEC_PROBLEM.replace("{spec}", spec_value), GOOD_TEXT)
    either(f"solve-spec-{name}", [D, "solve", "p/p.toml", "--format", "markdown"], "paths", ("error", "partial"),
           out_has("GOODPROBLEM"), f"a CNN spec path: {spec_value}", files=files, kill=10)

# ================================================================================================ optim
ADAM = [D, "optim", "adam", "--format", "json"]
ok("optim-adam-right", [*ADAM, "--w0", "0.5", "--grads", "0.3,-0.1,0.7", "--lr", "0.01"], "optim",
   traj(adam_ref(0.5, [0.3, -0.1, 0.7], lr=0.01)), "Adam, checked against a hand-written Adam")
GRADS10K = [float(f"{math.sin(k):.4f}") for k in range(10000)]
ok("optim-adam-10000", [*ADAM, "--w0", "0.5", "--grads", ",".join(f"{g:.4f}" for g in GRADS10K)], "optim",
   traj(adam_ref(0.5, GRADS10K), rel=1e-7), "10,000 Adam steps given on the command line", cost=2)
ok("optim-sgd-loss", [D, "optim", "sgd", "--w0", "0", "--loss", "(w-3)^2", "--steps", "10", "--lr", "0.1",
                      "--format", "json"], "optim",
   traj([3 - 3 * 0.8 ** k for k in range(1, 11)], rel=1e-9), "SGD on (w-3)^2: w_k = 3 - 3·0.8^k")
either("optim-adam-overflow", [*ADAM, "--w0", "0.5", "--grads", "1e200,1e200"], "numeric", ("ok", "error"),
       lambda r: None if near(r.json()["weights"][0], adam_exact_first_step(0.5, 1e200), 1e-6)
       else f"weights {r.json()['weights']}", "Adam with gradients 1e200 (g² overflows)",
       on_accept="silently wrong")
either("optim-sgd-overflow", [D, "optim", "sgd", "--w0", "1e308", "--grads=-1e308", "--lr", "10",
                              "--format", "json"], "numeric", ("ok", "error"),
       lambda r: None if near(r.json()["weights"][0], Decimal("1.1e309")) else f"{r.json()['weights']}",
       "SGD whose weight overflows float64", on_accept="silently wrong")
for name, args in [("grads-inf", ["--w0", "0.5", "--grads", "1e400"]), ("w0-nan", ["--w0", "nan", "--grads", "1"]),
                   ("lr-zero", ["--lr", "0", "--w0", "1", "--grads", "1"]), ("lr-neg", ["--lr", "-0.1"]),
                   ("lr-nan", ["--lr", "nan", "--w0", "1", "--grads", "1"]),
                   ("betas-one", ["--betas", "1,0.999"]), ("betas-three", ["--betas", "0.9,0.999,0.5"]),
                   ("eps-neg", ["--eps", "-1"]), ("wd-nan", ["--weight-decay", "nan"]),
                   ("grads-no-w0", ["--grads", "0.1,0.2"]), ("dims", ["--w0", "1,2", "--grads", "0.1"]),
                   ("grads-empty", ["--w0", "1", "--grads", ""]),
                   ("steps-zero", ["--w0", "1", "--loss", "w^2", "--steps", "0"]),
                   ("steps-huge", ["--w0", "1", "--loss", "w^2", "--steps", "10000000000"]),
                   ("loss-log-neg", ["--w0", "-1", "--loss", "log(w)", "--steps", "3"]),
                   ("loss-inv-zero", ["--w0", "0", "--loss", "1/w", "--steps", "2"]),
                   ("loss-no-w", ["--w0", "1", "--loss", "x^2", "--steps", "2"]),
                   ("loss-tower", ["--w0", "2", "--loss", "w^w^w^w^w", "--steps", "2"]),
                   ("loss-inject", ["--w0", "1", "--loss", r"\input{@SECRET@}", "--steps", "2"]),
                   ("derive-bogus", ["--derive", "bogus"]), ("unknown-option", ["--warp", "9"])]:
    err(f"optim-{name}", [D, "optim", "adam", *args], "optim", f"optim adam {' '.join(args)}")
err("optim-momentum-neg", [D, "optim", "sgd", "--momentum", "-1", "--w0", "1", "--grads", "1"], "optim",
    "SGD momentum -1")
err("optim-unknown", [D, "optim", "adamax2"], "optim", "an unknown optimizer")
err("optim-out-dev-full", [D, "optim", "adam", "-o", "/dev/full"], "paths", "-o /dev/full")
ok("optim-paper", [D, "optim", "adam", "--derive", "update,first,second,general,no-bias-correction,l2",
                   "--notation", "paper", "--format", "markdown"], "optim", out_has("\\theta"),
   "the symbolic derivation in paper notation")

# ================================================================================================ cnn
ok("cnn-vgg16", [D, "cnn", "vgg16", "--format", "json"], "cnn",
   all_of(cnn_total(vgg_params("16")),
          lambda r: None if int(r.json()["receptive_field"]["size"]) == vgg16_rf() else "pool5 receptive field"),
   "VGG-16: parameters and receptive field from the recurrence")
ok("cnn-resnet18", [D, "cnn", "resnet18", "--format", "json"], "cnn", cnn_total(11689512),
   "ResNet-18 = torchvision's documented 11,689,512")
ok("cnn-lenet5", [D, "cnn", "lenet5", "--format", "json"], "cnn", cnn_total(lenet5_params()), "LeNet-5 count")
either("cnn-vgg16-input-100000", [D, "cnn", "vgg16", "--input", "100000", "--format", "json"], "cnn",
       ("ok", "error"), cnn_total(vgg_params("16")), "VGG-16 at a 100,000-pixel input")
for name, args in [("unknown", ["vgg17"]), ("none", []), ("input-zero", ["vgg16", "--input", "0"]),
                   ("input-half", ["vgg16", "--input", "224x"]), ("input-tiny", ["vgg16", "--input", "1"]),
                   ("input-digits", ["vgg16", "--input", "9" * 5000]),
                   ("layer-unknown", ["vgg16", "--layer", "conv9_9"]),
                   ("layer-inject", ["vgg16", "--layer", r"\input{@SECRET@}", "--format", "latex"]),
                   ("parts-bogus", ["vgg16", "--format", "latex", "--parts", "xyz"]),
                   ("preset-and-spec", ["vgg16", "--spec", "@EXAMPLES@/cnn_tiny.json"])]:
    err(f"cnn-{name}", [D, "cnn", *args], "cnn", f"cnn {' '.join(args)[:60]}")

CONV = 'name = "net"\ninput = [3, 32, 32]\n\n[[layers]]\nname = "c1"\ntype = "conv2d"\n'
for name, body in [("kernel-too-big", "out_channels = 8\nkernel_size = 64"),
                   ("stride-zero", "out_channels = 8\nkernel_size = 3\nstride = 0"),
                   ("padding-neg", "out_channels = 8\nkernel_size = 3\npadding = -1"),
                   ("channels-zero", "out_channels = 0\nkernel_size = 3"),
                   ("channels-str", "out_channels = \"16\"\nkernel_size = 3"),
                   ("channels-float", "out_channels = 16.5\nkernel_size = 3"),
                   ("channels-bool", "out_channels = true\nkernel_size = 3"),
                   ("kernel-3d", "out_channels = 8\nkernel_size = [3, 3, 3]"),
                   ("groups", "out_channels = 16\nkernel_size = 3\ngroups = 5"),
                   ("unknown-field", "out_channels = 8\nkernel_size = 3\nwarp = 9")]:
    err(f"cnn-spec-{name}", [D, "cnn", "--spec", "net.toml"], "cnn", f"a conv layer with {body.splitlines()[-1]}",
        files={"net.toml": CONV + body + "\n"}, err_re=r"c1|line")
for name, text in [
    ("input-zero", 'input = [3, 0, 0]\n[[layers]]\ntype = "relu"\n'),
    ("unknown-type", 'input = [3, 32, 32]\n[[layers]]\ntype = "quantum"\n'),
    ("no-layers", 'input = [3, 32, 32]\n'),
    ("cycle", 'input = [3, 32, 32]\n[[layers]]\nname = "a"\ntype = "add"\ninputs = ["b", "input"]\n'
              '[[layers]]\nname = "b"\ntype = "relu"\ninputs = ["a"]\n'),
    ("add-mismatch", 'input = [3, 32, 32]\n[[layers]]\nname = "conv1"\ntype = "conv2d"\nout_channels = 16\n'
                     'kernel_size = 3\npadding = 1\n[[layers]]\nname = "res"\ntype = "add"\ninputs = ["conv1", "input"]\n'),
    ("linear-unflattened", 'input = [3, 32, 32]\n[[layers]]\nname = "fc"\ntype = "linear"\nout_features = 10\n'),
    ("duplicate-names", 'input = [3, 32, 32]\n[[layers]]\nname = "a"\ntype = "relu"\n[[layers]]\nname = "a"\n'
                        'type = "relu"\n'),
    ("invalid-toml", 'input = [3, 32, 32\n[[layers]]\n'),
    ("deep-array", 'input = ' + '[' * 50000 + ']' * 50000 + '\n'),
]:
    err(f"cnn-spec-{name}", [D, "cnn", "--spec", "net.toml"], "cnn", f"a spec: {name}", files={"net.toml": text})
for name, text in [("json-nan", '{"input": [3, 32, 32], "layers": [{"type": "conv2d", "out_channels": NaN, '
                                '"kernel_size": 3}]}'),
                   ("json-deep", '{"input": ' + '[' * 100000 + ']' * 100000 + '}'),
                   ("json-huge-int", '{"input": [3, 32, 32], "layers": [{"type": '
                                                                  '"conv2d", "out_channels": 1' + '0' * 5000 +
                                                                  ', "kernel_size": 3}]}')]:
    err(f"cnn-spec-{name}", [D, "cnn", "--spec", "net.json"], "cnn", f"a JSON spec: {name}",
        files={"net.json": text})
err("cnn-spec-100k-layers", [D, "cnn", "--spec", "net.toml"], "cnn", "a 100,000-layer spec",
    files={"net.toml": 'input = [3, 32, 32]\n' + '[[layers]]\ntype = "relu"\n' * 100000}, cost=6)
LAYERS_1000 = ('input = [3, 32, 32]\n[[layers]]\ntype = "conv2d"\nout_channels = 16\nkernel_size = 3\npadding = 1\n'
               + '[[layers]]\ntype = "conv2d"\nout_channels = 16\nkernel_size = 3\npadding = 1\n' * 999)
ok("cnn-spec-1000-layers", [D, "cnn", "--spec", "net.toml", "--format", "json"], "cnn",
   cnn_total((3 * 16 * 9 + 16) + 999 * (16 * 16 * 9 + 16)), "a 1,000-layer plain conv stack",
   files={"net.toml": LAYERS_1000})
ok("cnn-spec-huge-channels", [D, "cnn", "--spec", "net.toml", "--format", "json"], "cnn",
   cnn_total(3 * 10 ** 6 * 9 + 10 ** 6 + 10 ** 6 * 10 ** 6 * 9 + 10 ** 6), "a million channels per layer",
   files={"net.toml": 'input = [3, 8, 8]\n[[layers]]\ntype = "conv2d"\nout_channels = 1000000\nkernel_size = 3\n'
                      'padding = 1\n[[layers]]\ntype = "conv2d"\nout_channels = 1000000\nkernel_size = 3\n'
                      'padding = 1\n'})
either("cnn-spec-huge-input", [D, "cnn", "--spec", "net.toml", "--format", "json"], "cnn", ("ok", "error"),
   all_of(cnn_total(3 * 8 * 9 + 8), lambda r: None if int(r.json()["macs"]) == 8 * 27 * 10 ** 18
          else f"macs {r.json()['macs']}"), "a 10^9 × 10^9 input",
   files={"net.toml": 'input = [3, 1000000000, 1000000000]\n[[layers]]\ntype = "conv2d"\nout_channels = 8\n'
                      'kernel_size = 3\npadding = 1\n'})
either("cnn-spec-inject-latex", [D, "cnn", "--spec", "net.toml", "--format", "latex"], "latex", ("ok", "error"),
       None, "TeX in layer and network names, LaTeX output", files={"net.toml": NET_INJ})
for name, path, files in [("dev-zero", "/dev/zero", {}), ("fifo", "net.toml", {"net.toml": Fifo()}),
                          ("big", "net.toml", {"net.toml": Big(50)}), ("passwd", "/etc/passwd", {}),
                          ("passwd-json", "p.json", {"p.json": Symlink("/etc/passwd")})]:
    err(f"cnn-specpath-{name}", [D, "cnn", "--spec", path], "paths", f"--spec {path} ({name})", files=files)

# ================================================================================================ check
ok("check-right", [D, "check", "s.md", *XC], "checker", check_clean, "a correct sheet", files={"s.md": RIGHT_SHEET})
either("check-wrong", [D, "check", "s.md", *XC], "checker", ("check-finding",), check_wrong(1), "a wrong line",
       files={"s.md": WRONG_SHEET})
either("check-wrong-json", [D, "check", "s.md", *XC, "--format", "json"], "checker", ("check-finding",),
       lambda r: None if any(int(f["line"]) == 1 and f["verdict"] == "wrong" for f in r.json()["findings"])
       else "no wrong finding on line 1", "a wrong line, JSON report", files={"s.md": WRONG_SHEET})
either("check-seed", [D, "check", SEED_SHEET, "--problem", SEED_TOML], "checker", ("check-finding",),
       check_wrong(at_least=4), "the seed sheet: 4 wrong steps", cost=2)
ok("check-stdin", [D, "check", "-", *XC], "checker", check_clean, "a correct sheet on stdin",
   stdin=RIGHT_SHEET.encode())
for name, data in [("empty", ""), ("blank", "  \n\n\t\n")]:
    err(f"check-{name}", [D, "check", "s.md", *XC], "checker", f"an {name} sheet is not 'all correct'",
        files={"s.md": data})
either("check-prose-only", [D, "check", "s.md", *XC], "checker", ("error", "check-finding"), None,
       "a sheet with no mathematics at all", files={"s.md": "I did not do the homework.\n"})
err("check-stdin-empty", [D, "check", "-", *XC], "checker", "an empty stdin", stdin=b"")
err("check-stdin-dev-zero", [D, "check", "-", *XC], "paths", "stdin from /dev/zero", stdin_path="/dev/zero")
for name, spec in [("fifo", Fifo()), ("dir", Dir()), ("big", Big(50, "$$v_1 = 6$$\n"))]:
    err(f"check-solution-{name}", [D, "check", "s.md", *XC], "paths", f"the solution is a {name}",
        files={"s.md": spec})
err("check-solution-dev-zero", [D, "check", "/dev/zero", *XC], "paths", "the solution is /dev/zero")
err("check-solution-missing", [D, "check", "nosuch.md", *XC], "paths", "a solution that does not exist")
either("check-solution-symlink-passwd", [D, "check", "s.md", *XC], "paths", ("error", "check-finding"), None,
       "a student's 'sheet' is a symlink to /etc/passwd: its lines must not be echoed",
       files={"s.md": Symlink("/etc/passwd")})
for name, path, files in [("dev-zero", "/dev/zero", {}), ("fifo", "p.toml", {"p.toml": Fifo()}),
                          ("dir", "p.toml", {"p.toml": Dir()}), ("big", "p.toml", {"p.toml": Big(50)}),
                          ("passwd", "/etc/passwd", {}), ("missing", "nosuch.toml", {}),
                          ("spec-climb", "p/p.toml", {"p/p.toml": "kind = \"cnn\"\nspec = '../../../outside/net.toml'\n"}),
                          ("exp-tower", "p.toml", {"p.toml": "expr = '10^{10^{10}} x'\nat = \"x=1\"\n"}),
                          ("at-int", "p.toml", {"p.toml": "expr = 'x'\nat = 5\n"}),
                          ("empty", "p.toml", {"p.toml": ""})]:
    files = dict(files)
    files["s.md"] = WRONG_SHEET
    err(f"check-problem-{name}", [D, "check", "s.md", "--problem", path], "paths" if name in
        ("dev-zero", "fifo", "dir", "big", "passwd", "missing", "spec-climb") else "checker",
        f"--problem {path} ({name})", files=files)
for v in ["0", "-1", "nan", "abc", "inf"]:
    err(f"check-timeout-{v}", [D, "check", SEED_SHEET, "--problem", SEED_TOML, "--timeout", v], "checker",
        f"--timeout {v}", on_accept="silently wrong")
either("check-timeout-tiny", [D, "check", SEED_SHEET, "--problem", SEED_TOML, "--timeout", "0.000001"], "checker",
       ("error", "check-finding"), check_wrong(at_least=4), "--timeout 1e-6 must not mark wrong steps as fine",
       on_accept="silently wrong", cost=2)
for v in ["0", "-1"]:
    err(f"check-jobs-{v}", [D, "check", "s.md", *XC, "--jobs", v], "checker", f"--jobs {v}",
        files={"s.md": WRONG_SHEET})
either("check-jobs-100000", [D, "check", "s.md", *XC, "--jobs", "100000"], "checker", ("error", "check-finding"),
       check_wrong(1), "--jobs 100000 (no fork bomb)", files={"s.md": WRONG_SHEET})
for name, args in [("sigfigs-0", [*XC, "--sigfigs", "0"]), ("number-99", ["--problem", SEED_TOML, "--number", "99"]),
                   ("number-text", ["--problem", SEED_TOML, "--number", "two"]), ("at-no-expr", ["--at", "x=1"]),
                   ("expr-and-adam", ["--expr", "x", "--adam"]), ("expr-bad", ["--expr", r"\frac{x}{", "--at", "x=1"]),
                   ("expr-no-at", ["--expr", "x*c"]), ("no-problem", []), ("cnn-unknown", ["--cnn", "vgg17"]),
                   ("optimizer-unknown", ["--optimizer", "adamax2"]),
                   ("optimizer-lr-neg", ["--optimizer", "sgd", "--lr", "-1"]),
                   ("letter-inject", [*XC, "--letter", r"\input{@SECRET@}", "--format", "latex"]),
                   ("format-pdf", [*XC, "--format", "pdf"]), ("unknown-option", [*XC, "--lenient"])]:
    if name == "letter-inject":
        either(f"check-{name}", [D, "check", "s.md", *args], "latex", ("error", "check-finding"), None,
               "--letter is TeX code, LaTeX report", files={"s.md": WRONG_SHEET})
        continue
    err(f"check-{name}", [D, "check", "s.md", *args], "checker", f"check {' '.join(args)[:60]}",
        files={"s.md": WRONG_SHEET})
err("check-60000-lines", [D, "check", "s.md", *XC], "checker", "60,000 statements in a sheet",
    files={"s.md": "$$f = 6$$\n" * 60000}, cost=6)
for name, line in [("long-line", "$$f = " + "+".join(["x"] * 20000) + "$$"), ("nest-2000", "$$f = " + nest(2000) + "$$"),
                   ("exp-tower", "$$f = 10^{10^{10}}$$"), ("factorial", "$$f = (10^6)!$$"),
                   ("loop", r"$$f = \loop\iftrue\repeat$$"), ("catcode", f"$$f = {CAT}$$"),
                   ("digits", "$$f = " + "9" * 5000 + "$$"), ("pow-tower", "$$f = 9^{9^{9^{9}}}$$")]:
    either(f"check-line-{name}", [D, "check", "s.md", *XC], "checker", ("check-finding",), check_wrong(2),
           f"a hostile line ({name}) before a wrong one: the wrong one is still found, fast",
           files={"s.md": line + "\n" + WRONG_SHEET}, ok_cpu=5)
either("check-nonutf8", [D, "check", "s.md", *XC], "checker", ("error", "check-finding"), check_wrong(2),
       "Latin-1 bytes in the sheet", files={"s.md": b"Gr\xfc\xdfe, \xe9l\xe8ve\n" + WRONG_SHEET.encode()})
either("check-nul", [D, "check", "s.md", *XC], "checker", ("error", "check-finding"), check_wrong(2),
       "NUL bytes in the sheet", files={"s.md": b"a\x00b\x00\n" + WRONG_SHEET.encode()})
either("check-unicode", [D, "check", "s.md", *XC], "checker", ("check-finding",), check_wrong(2),
       "a Unicode sheet (∂, ×, emoji)", files={"s.md": "Lösung 😀 ∂f/∂x\n" + WRONG_SHEET})
either("check-batch-dev-zero", [D, "check", "s.md", "/dev/zero", *XC], "checker", ("partial",),
       all_of(check_wrong(1), lambda r: None if "zero" in r.out + r.err else "/dev/zero not named"),
       "two sheets, one is /dev/zero: the other is still checked", files={"s.md": WRONG_SHEET})
either("check-batch-missing", [D, "check", "s.md", "nosuch.md", *XC], "checker", ("partial",),
       all_of(check_wrong(1), lambda r: None if "nosuch" in r.out + r.err else "nosuch.md not named"),
       "two sheets, one missing", files={"s.md": WRONG_SHEET})
either("check-batch-fifo", [D, "check", "s.md", "f.md", *XC, "--jobs", "2"], "checker", ("partial",),
       all_of(check_wrong(1), lambda r: None if "f.md" in r.out + r.err else "f.md not named"),
       "two sheets with --jobs 2, one a FIFO", files={"s.md": WRONG_SHEET, "f.md": Fifo()}, kill=10)
either("check-problem-set-one-bad", [D, "check", "s.md", "--problem", "p.toml"], "checker",
       ("check-finding", "partial"), check_wrong(),
       "a problem set whose problem 2 is broken: problem 1 is still checked",
       files={"s.md": "## 1\n$$y = 28$$\n$$v_1 = v_0^2 = 26$$\n", "p.toml": pset(AD1, bad2('kind = "quantum"'))})
either("check-cnn-wrong", [D, "check", "s.md", "--cnn", "vgg16"], "checker", ("check-finding",), check_wrong(1),
       "a wrong VGG-16 count", files={"s.md": "$$N = 138357545$$\n"})
# TeX injection through a solution sheet into `derive check --format latex`
SHEET_INJ = {
    "catcode": f"$$f = {CAT}$$\n", "input-math": "$$f = \\input{@SECRET@}$$\n",
    "input-prose": "My answer: \\input{@SECRET@}\n\n$$f = 6$$\n", "jobname": "$$\\text{\\jobname} = 6$$\n",
    "loop-prose": "\\loop\\iftrue\\repeat\n\n$$f = 7$$\n", "write18": "$$f = 6 % \\immediate\\write18{touch pwned}$$\n",
    "openout": "\\immediate\\openout5=pwned.tex\n$$f = 6$$\n", "caret": "^^5cinput{@SECRET@}\n$$f = 7$$\n",
    "percent": "$$f = x_{\\text{a%b}} = 7$$\n",
}
for name, sheet in SHEET_INJ.items():
    either(f"check-inject-{name}", [D, "check", "s.md", *XC, "--format", "latex", "-o", "a.tex"], "latex",
           ("ok", "check-finding", "error"), None, f"TeX injection in a sheet → annotated LaTeX ({name})",
           files={"s.md": sheet})
for name in ["catcode", "input-prose", "loop-prose", "caret"]:
    either(f"check-inject-{name}-pdf", [D, "check", "s.md", *XC, "--format", "latex", "-o", "a.pdf"], "latex",
           ("ok", "check-finding", "error"), None, f"TeX injection in a sheet → annotated PDF ({name})",
           files={"s.md": SHEET_INJ[name]}, hang=25, cost=6, ok_cpu=20, refuse_cpu=15)

# ================================================================================================ variants
VSET = pset("[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = 'x^2 + c'\nat = \"c=3,x=5\"\n"
            "vary = { \"at.x\" = [2, 9] }\n")


def variant_round_trip(run):
    import tomllib
    for k, f in enumerate(run.followups, 1):
        src = run.tmp / "out" / f"variant-00{k}.toml"
        try:
            data = tomllib.loads(src.read_text())
        except Exception as e:
            return f"{src.name} does not read back: {e}"
        at = data["problem"][0]["at"]
        at = at if isinstance(at, dict) else dict(kv.split("=") for kv in at.split(","))
        x, c = Decimal(str(at["x"])), Decimal(str(at["c"]))
        got = f.json()
        if not near(got["problems"][0]["data"]["value"], x * x + c):
            return f"variant {k}: value {got['problems'][0]['data']['value']} != {x * x + c}"
        if "title" in data and "It's" in VT_TITLE and not str(got["title"]).startswith(VT_TITLE):
            return f"variant {k}: title {got['title']!r} lost its text"
    return None


VT_TITLE = "It's \"quoted\" \\ back ''' ü"
VT_SET = pset("[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = 'x^2 + c'\nat = \"c=3,x=5\"\n"
              "vary = { \"at.x\" = { choices = [0.1, 0.25, 1e-7] } }\n"
              "parts = [{ show = \"forward\", label = \"(a)\", text = \"line one\\nline two \\\"q\\\" '''\" }]\n",
              title=VT_TITLE)
ok("variants-round-trip", [D, "variants", "p.toml", "--count", "3", "--seed", "1", "-o", "out", "--quiet"],
   "variants", variant_round_trip, "variants of a set with quotes, backslashes, ''' and a newline read back",
   files={"p.toml": VT_SET},
   followups=[[D, "solve", f"out/variant-00{k}.toml", "--format", "json"] for k in (1, 2, 3)], cost=4)
ok("variants-deterministic", [D, "variants", "p.toml", "--count", "2", "--seed", "7", "-o", "a", "--quiet"],
   "variants", lambda r: None if all((r.tmp / "a" / n).read_bytes() == (r.tmp / "b" / n).read_bytes()
                                     for n in ("variant-001.toml", "variant-002-key.tex")) else "not byte-identical",
   "the same seed twice gives byte-identical files", files={"p.toml": VSET},
   followups=[[D, "variants", "p.toml", "--count", "2", "--seed", "7", "-o", "b", "--quiet"]], cost=3)
either("variants-inject-title", [D, "variants", "p.toml", "--count", "1", "--seed", "1", "-o", "out", "--quiet"],
       "latex", ("ok", "error"), None, "TeX in the title of a varied set → answer keys",
       files={"p.toml": VSET.replace('title = "Hostile"', "title = '\\input{@SECRET@} \\jobname'")})
for name, args in [("count-100000", ["--count", "100000"]), ("count-zero", ["--count", "0"]),
                   ("count-neg", ["--count", "-1"]), ("count-text", ["--count", "abc"]),
                   ("count-float", ["--count", "1e3"]), ("count-2-63", ["--count", str(2 ** 63)]),
                   ("jobs-zero", ["--count", "2", "--jobs", "0"]), ("jobs-neg", ["--count", "2", "--jobs", "-1"]),
                   ("seed-text", ["--seed", "abc"]), ("format-pdf", ["--format", "pdf"]),
                   ("out-dev-null", ["--count", "1", "-o", "/dev/null"]),
                   ("out-file", ["--count", "1", "-o", "p.toml"]), ("out-proc", ["--count", "1", "-o", "/proc/derive"])]:
    err(f"variants-{name}", [D, "variants", "p.toml", *args, "--quiet"], "variants", f"variants {' '.join(args)}",
        files={"p.toml": VSET}, cost=3 if "100000" in name else 1)
either("variants-jobs-10000", [D, "variants", "p.toml", "--count", "2", "--jobs", "10000", "-o", "out", "--quiet"],
       "variants", ("ok", "error"), lambda r: None if (r.tmp / "out" / "variant-002.toml").exists() else "no variants",
       "--jobs 10000 (no fork bomb)", files={"p.toml": VSET})
for name, vary in [("no-vary", None), ("range-reversed", "{ \"at.x\" = [9, 2] }"), ("step-zero", "{ \"at.x\" = [2, 9, 0] }"),
                   ("range-one", "{ \"at.x\" = [2] }"), ("range-text", "{ \"at.x\" = \"abc\" }"),
                   ("choices-empty", "{ \"at.x\" = { choices = [] } }"), ("unknown-input", "{ \"at.z\" = [1, 2] }"),
                   ("unknown-field", "{ \"nosuch.field\" = [1, 2] }"),
                   ("domain", None)]:
    if name == "no-vary":
        body = pset(AD1)
    elif name == "domain":
        body = pset("[[problem]]\nnumber = \"1\"\nkind = \"autodiff\"\nexpr = '\\log x'\nat = \"x=5\"\n"
                    "vary = { \"at.x\" = [0, 0] }\n")
    else:
        body = pset(AD1 + f"vary = {vary}\n")
    either(f"variants-{name}", [D, "variants", "p.toml", "--count", "3", "--seed", "1", "-o", "out", "--quiet"],
           "variants", ("error", "partial"), None, f"variants with vary {vary}", files={"p.toml": body}, kill=10)
for name, spec in [("fifo", Fifo()), ("dir", Dir()), ("big", Big(50))]:
    err(f"variants-file-{name}", [D, "variants", "p.toml", "--count", "1", "--quiet"], "paths",
        f"variants of a {name}", files={"p.toml": spec})
err("variants-file-dev-zero", [D, "variants", "/dev/zero", "--count", "1", "--quiet"], "paths", "variants /dev/zero")

# ================================================================================================ top-level CLI
err("cli-no-command", [D], "cli", "derive with no command")
err("cli-unknown-command", [D, "frobnicate"], "cli", "an unknown command")
err("cli-unknown-global", [D, "--turbo", "solve"], "cli", "an unknown global option")


# ================================================================================================ library API
def api(id, snippet, expect=("error",), pred=None, what="", **kw):
    return add(Case(id, [snippet], tuple(expect), "api", what or snippet[:80], pred=pred, api=True, **kw))


for id_, snip in [
    ("api-at-int", "derive.autodiff('x*x', at=5)"),
    ("api-at-tuple-list", "derive.autodiff('x*x', at=[('x',)])"),
    ("api-at-text", "derive.autodiff('x*x', at={'x': 'abc'})"),
    ("api-at-nan", "derive.autodiff('x*x', at={'x': float('nan')})"),
    ("api-at-int-key", "derive.autodiff('x*x', at={1: 2})"),
    ("api-at-complex", "derive.autodiff('x*x', at={'x': 1j})"),
    ("api-at-missing", "derive.autodiff('x*y', at={'x': 1})"),
    ("api-expr-none", "derive.autodiff(None, at={'x': 1})"),
    ("api-expr-bytes", "derive.autodiff(b'x*x', at={'x': 1})"),
    ("api-wrt-unknown", "derive.autodiff('x*x', at={'x': 1}, wrt='z')"),
    ("api-log-base", "derive.autodiff('log(x)', at={'x': 2}, log_base='7')"),
    ("api-sigfigs-neg", "derive.autodiff('x*x', at={'x': 1}, sigfigs=-1)"),
    ("api-rounding", "derive.autodiff('x*x', at={'x': 1}, rounding='bogus')"),
    ("api-parts-int", "derive.autodiff('x*x', at={'x': 1}, parts=5)"),
    ("api-trace-compare", "derive.autodiff(lambda x: x if x > 0 else -x, at={'x': 2})"),
    ("api-trace-math-sin", "import math\nderive.autodiff(lambda x: math.sin(x), at={'x': 1})"),
    ("api-trace-int", "derive.autodiff(lambda x: int(x) * x, at={'x': 2})"),
    ("api-trace-numpy", "import numpy\nderive.autodiff(lambda x: numpy.sin(x), at={'x': 1})"),
    ("api-trace-none", "derive.autodiff(lambda x: None, at={'x': 1})"),
    ("api-trace-div-zero", "derive.autodiff(lambda x: x / 0, at={'x': 1})"),
    ("api-trace-log-neg", "derive.autodiff(lambda x: derive.log(x), at={'x': -1})"),
    ("api-trace-hash", "derive.autodiff(lambda x: {x: 1}[x] * x, at={'x': 2})"),
    ("api-parse-none", "derive.parse(None)"),
    ("api-parse-long", "derive.parse('+'.join(['x'] * 20000))"),
    ("api-parse-deep", "derive.parse('(' * 2000 + 'x' + ')' * 2000)"),
    ("api-parse-code", "derive.parse(\"__import__('os').system('touch pwned')\")"),
    ("api-traj-unknown", "derive.optim.trajectory('nosuch', w0=0, grads=[1])"),
    ("api-traj-w0-text", "derive.optim.trajectory('adam', w0='a', grads=[1])"),
    ("api-traj-nothing", "derive.optim.trajectory('adam')"),
    ("api-traj-steps-huge", "derive.optim.trajectory('sgd', w0=0, loss='(w-3)^2', steps=10**9, lr=0.1)"),
    ("api-adam-bogus", "derive.optim.adam(bogus=1)"),
    ("api-cnn-preset", "derive.cnn.preset('nosuch')"),
    ("api-cnn-input-zero", "derive.cnn.analyse(derive.cnn.preset('vgg16'), input_size=0)"),
    ("api-cnn-conv-neg", "derive.cnn.Conv2d(3, -1, 3)"),
    ("api-cnn-conv-str", "derive.cnn.Conv2d(3, '16', 3)"),
    ("api-cnn-conv-old-order", "derive.cnn.Conv2d(16, 3, padding=1)"),
    ("api-cnn-linear-old-order", "derive.cnn.Linear(4096, in_features=25088)"),
    ("api-cnn-input-shape", "derive.cnn.analyse(derive.cnn.preset('vgg16'), (1, 1, 224, 224))"),
    ("api-cnn-dup-name", "n = derive.cnn.Network('n', 3, 32)\nn.add(derive.cnn.Conv2d(3, 4, 3), 'a')\n"
                         "n.add(derive.cnn.Conv2d(4, 4, 3), 'a')\nderive.cnn.analyse(n)"),
    ("api-cnn-load-dev-zero", "derive.cnn.load_spec('/dev/zero')"),
    ("api-check-empty", "derive.check('', {'expr': 'x*c', 'at': 'x=2,c=3'})"),
    ("api-check-none", "derive.check(None, {'expr': 'x*c', 'at': 'x=2,c=3'})"),
    ("api-check-problem-none", "derive.check('$$f = 6$$', None)"),
    ("api-check-timeout-zero", "derive.check('$$f = 7$$', {'expr': 'x*c', 'at': 'x=2,c=3'}, timeout=0)"),
    ("api-load-dev-zero", "derive.load_problems('/dev/zero')"),
    ("api-load-dir", "derive.load_problems(TMP)"),
    ("api-settings-sigfigs", "derive.Settings(sigfigs=-1)"),
]:
    api(id_, snip, kill=10)
api("api-load-fifo", "derive.load_problems(TMP + '/p.toml')", files={"p.toml": Fifo()}, kill=10)
api("api-at-5000-digits", "r = derive.autodiff('x*x', at={'x': 10**5000})\nprint(r.value == 10**10000)",
    expect=("ok", "error"), pred=out_has("True"), what="an int beyond 4,300 digits as a value", kill=10)
api("api-underflow", "r = derive.autodiff('x*x', at={'x': '1e-400'})\nprint(repr(float(r.value * 10**800)))",
    expect=("ok", "error"), pred=lambda r: None if r.out.strip() in ("1.0", "1.0000000000000002", "0.9999999999999999")
    else f"value*10^800 = {r.out.strip()}", what="x*x at '1e-400' through the API", on_accept="silently wrong",
    kill=10)
api("api-trace-right", "from derive import ln, sin\nr = derive.autodiff(lambda x1, x2: ln(x1) + x1 * x2 - sin(x2), "
    "at={'x1': 2, 'x2': 5})\nprint(float(r.gradient['x1']), float(r.gradient['x2']))", expect=("ok",),
    pred=lambda r: None if all(abs(float(a) - b) < 1e-9 for a, b in zip(r.out.split(), (5.5, 2 - math.cos(5))))
    else r.out, what="Baydin et al.'s example: gradient (5.5, 2 - cos 5)", kill=20)
api("api-solve-path", "derive.solve(TMP + '/p.toml')", expect=("ok", "error"), files={"p.toml": pset(AD1)},
    what="solve() given a path instead of a ProblemSet", kill=20)

# ================================================================================================ tiers
# The battery run by tests/hostile/test_hostile.py must stay near 3 minutes on a 2-core machine (every derive process
# pays about 1 s of CPU to import SymPy), so the core table keeps one or two cases of each kind and these further
# variations of the same kinds form the extended table: `python benchmarks/bench_hostile.py --extended` runs both.
EXTENDED_IDS = set("""
    ad-malformed-caret-end ad-malformed-brace-close ad-malformed-sqrt-open ad-malformed-backslash
    ad-malformed-double-sup ad-malformed-equation ad-malformed-paren-open ad-malformed-abs-open
    ad-malformed-ampersand ad-blank-expr ad-unknown-gamma ad-unknown-erf ad-unknown-integral ad-unknown-plain-f
    ad-code-dunder ad-code-lambda ad-code-open ad-nest-sqrt-300 ad-exp-x-huge ad-tower-2-5 ad-x-tower
    ad-exp-1000 ad-at-1e999 ad-at-1e-5000 ad-domain-div-self ad-domain-sqrt-neg ad-domain-zero-neg-pow
    ad-domain-log-log-1 ad-at-empty ad-at-text ad-at-duplicate ad-at-inf ad-at-unicode-digit ad-unicode-greek
    ad-unicode-sup ad-wrt-unknown ad-sigfigs-0 ad-parts-bogus ad-letter-empty ad-no-at ad-inject-loop
    ad-inject-input-secret ad-inject-caret ad-inject-write18 ad-inject-at-name ad-inject-md
    solve-inject-title-catcode solve-inject-title-def-loop solve-inject-text-catcode
    solve-inject-part-text-secret solve-inject-symbol-jobname solve-inject-symbol-loop
    solve-inject-symbol-percent solve-inject-symbol-figure-secret solve-unicode-md solve-batch-exp-tower
    solve-batch-lr-neg solve-batch-cnn-preset solve-batch-parts-str solve-batch-pdf solve-seed-json
    solve-nul-byte solve-escaped-nul solve-5000-problems solve-file-symlink-passwd solve-file-passwd
    solve-spec-fifo solve-spec-big solve-spec-symlink-passwd solve-spec-nul optim-w0-nan optim-lr-zero
    optim-lr-neg optim-betas-three optim-eps-neg optim-wd-nan optim-grads-no-w0 optim-grads-empty
    optim-steps-zero optim-loss-inv-zero optim-loss-tower optim-loss-inject optim-derive-bogus
    optim-unknown-option optim-momentum-neg optim-out-dev-full optim-paper cnn-vgg16-input-100000 cnn-none
    cnn-input-half cnn-input-tiny cnn-layer-unknown cnn-parts-bogus cnn-preset-and-spec cnn-spec-padding-neg
    cnn-spec-channels-zero cnn-spec-channels-float cnn-spec-kernel-3d cnn-spec-unknown-field cnn-spec-input-zero
    cnn-spec-unknown-type cnn-spec-no-layers cnn-spec-linear-unflattened cnn-spec-duplicate-names
    cnn-spec-json-deep cnn-spec-huge-channels cnn-specpath-big cnn-specpath-passwd-json check-wrong-json
    check-blank check-stdin-empty check-solution-dir check-solution-missing check-problem-dir check-problem-big
    check-problem-missing check-problem-exp-tower check-problem-empty check-timeout--1 check-timeout-nan
    check-timeout-abc check-timeout-inf check-jobs-0 check-jobs--1 check-sigfigs-0 check-number-text
    check-at-no-expr check-expr-bad check-expr-no-at check-cnn-unknown check-optimizer-unknown
    check-optimizer-lr-neg check-format-pdf check-unknown-option check-line-factorial check-line-catcode
    check-line-digits check-line-pow-tower check-nul check-unicode check-batch-missing check-batch-fifo
    check-cnn-wrong check-inject-input-math check-inject-jobname check-inject-write18 check-inject-openout
    check-inject-percent check-inject-input-prose-pdf check-inject-loop-prose-pdf check-inject-caret-pdf
    variants-count-neg variants-count-float variants-count-2-63 variants-jobs-neg variants-seed-text
    variants-format-pdf variants-out-dev-null variants-out-file variants-out-proc variants-range-reversed
    variants-range-one variants-range-text variants-unknown-input variants-unknown-field variants-file-fifo
    variants-file-dir variants-file-big cli-unknown-global api-at-int-key api-expr-bytes api-rounding
    api-parse-long api-traj-unknown api-traj-nothing api-adam-bogus api-cnn-input-zero api-cnn-conv-neg
    api-cnn-conv-old-order api-cnn-linear-old-order api-cnn-input-shape
    api-cnn-dup-name api-check-none api-check-problem-none api-load-dir api-settings-sigfigs
""".split())
ALL_CASES = list(CASES)
assert EXTENDED_IDS <= {c.id for c in ALL_CASES}, EXTENDED_IDS - {c.id for c in ALL_CASES}
CASES = [c for c in ALL_CASES if c.id not in EXTENDED_IDS]
EXTENDED_CASES = [c for c in ALL_CASES if c.id in EXTENDED_IDS]
API_CASES = [c for c in CASES if c.api]
assert len(CASES) >= 170, len(CASES)
