"""The hostile-input battery's runner and classifier, shared by tests/hostile/test_hostile.py and
benchmarks/bench_hostile.py (both load this file by path).

A case (``Case``, the table is tests/hostile/cases.py) is one command line for the installed ``derive`` command (or
one Python snippet against the library API), the files to create in a fresh temporary folder, optional stdin, the
outcome classes a demanding user accepts and the time and memory a refusal (or an answer) may take. ``run_case``
runs it in a subprocess in its own session with RLIMIT_AS / RLIMIT_FSIZE / RLIMIT_CORE set in ``preexec_fn`` and a
hard wall-clock kill, measures wall time, CPU time and peak RSS of the process tree it waited for (``os.wait4``), and
``classify`` names what happened:

  ok                  exit 0 and the case's predicate holds (the answer checked against an independent computation)
  clear error         exit 2, stderr one line ``derive CMD: KIND: message`` (argparse's usage block before it and a
                      two-line caret context after it are tolerated), no traceback, no raw exception
  check-finding       ``derive check`` exit 1 and the expected finding is in the report
  partial             a batch with one bad item: exit 1 or 2, the bad item named, the good items' output present
  --- failures ---
  traceback           a Python traceback / raw exception (API), or death by a signal, or an exit code not in 0/1/2
  unclear error       exit 2 but stderr is not one clear line (a log dump, warnings, several lines, a huge line)
  hang                killed at the wall-clock limit, or ran longer than the hang threshold (10 s)
  slow                finished, but over the case's CPU limit (2 s for a refusal by default)
  memory              peak RSS over the case's limit (300 MB for a refusal), or MemoryError / killed by the cap
  security            a secret file's text, /etc/passwd, a file outside the problem folder, or live TeX primitives
                      (\\input, \\jobname, \\catcode, \\write, \\openout, \\loop, ^^ escapes) in the output; a marker
                      file written by injected code
  bad input accepted  exit 0 for input that must be refused
  silently wrong      exit 0 (or the expected exit) but the answer is wrong / the follow-up step fails
  batch lost          a batch with one bad item lost the good items' output
  refused             a good input refused with a (clear) error
  wrong exit          an exit code that fits none of the above (e.g. exit 1 where a refusal is due)
"""
from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

PASS_CLASSES = {"ok": "ok", "error": "clear error", "check-finding": "check-finding", "partial": "partial"}
FAIL_CLASSES = ["traceback", "unclear error", "hang", "slow", "memory", "security", "bad input accepted",
                "silently wrong", "batch lost", "refused", "wrong exit"]

SECRET_TOKEN = "ZQXJSECRETTOKEN"
OUTSIDE_TOKEN = "HOSTILEOUTSIDE"
PWNED = "pwned"


def _passwd_markers() -> list[str]:
    marks = ["root:x:0:0", "/usr/sbin/nologin"]
    try:
        first = Path("/etc/passwd").read_text(errors="replace").splitlines()[0]
        if len(first) > 8:
            marks.append(first[:20])
    except (OSError, IndexError):
        pass
    return marks


LEAK_MARKERS = [SECRET_TOKEN, OUTSIDE_TOKEN, *_passwd_markers()]


# ---------------------------------------------------------------------------------------------------------- files
@dataclass(frozen=True)
class Fifo:
    """A named pipe nobody writes to: opening it for reading blocks forever."""


@dataclass(frozen=True)
class Symlink:
    target: str  # placeholders allowed


@dataclass(frozen=True)
class Dir:
    """An (empty) directory where a file is expected."""


@dataclass(frozen=True)
class Big:
    """A file of ``mb`` megabytes made of ``line`` repeated (realistic text, not a sparse hole)."""
    mb: int
    line: str = "# padding padding padding padding padding padding padding padding padding padding\n"


FileSpec = "str | bytes | Fifo | Symlink | Dir | Big"


# ---------------------------------------------------------------------------------------------------------- cases
@dataclass
class Case:
    id: str
    argv: list                      # ["derive", ...] tokens (str or bytes); placeholders @TMP@ @SECRET@ @OUTSIDE@ @REPO@ @EXAMPLES@
    expect: tuple                   # acceptable classes: "ok", "error", "check-finding", "partial"
    area: str                       # latex, paths, numeric, checker, variants, cnn, optim, cli, api, solve
    what: str = ""                  # one line: what the mischievous user tried
    files: dict = field(default_factory=dict)
    stdin: bytes | None = None      # bytes fed on stdin
    stdin_path: str | None = None   # or a path opened as stdin (e.g. /dev/zero)
    pred: Callable[["Run"], str | None] | None = None   # None -> fine; a string says what is wrong
    err_re: str | None = None       # a clear error must also match this (names the field, the problem …)
    on_accept: str = "bad input accepted"   # the class when exit 0 is not acceptable
    followups: list = field(default_factory=list)  # further argv run after a successful first step
    refuse_cpu: float = 2.0         # CPU seconds a refusal may take
    ok_cpu: float = 10.0            # CPU seconds an answer may take
    refuse_mb: int = 300            # peak RSS of a refusal
    ok_mb: int = 1000               # peak RSS of an answer
    hang: float = 10.0              # wall seconds: beyond this it is a hang
    kill: float | None = None       # wall seconds hard kill (default: 10 for pure refusals, 30 otherwise)
    as_mb: int | None = None        # RLIMIT_AS (default: 1 GB for pure refusals, 2 GB otherwise)
    cost: float = 1.0               # scheduling hint (longest first)
    api: bool = False

    def as_limit_mb(self) -> int:
        if self.as_mb is not None:
            return self.as_mb
        return 1024 if set(self.expect) <= {"error"} else 2048

    def kill_after(self) -> float:
        if self.kill is not None:
            return self.kill
        return 10.0 if set(self.expect) <= {"error"} else 30.0


@dataclass
class Run:
    case: Case
    tmp: Path
    argv: list
    rc: int | None
    stdout: bytes
    stderr: bytes
    wall: float
    cpu: float
    maxrss_mb: float
    killed: bool
    sig: int | None
    created: dict = field(default_factory=dict)     # relative path -> bytes (outputs, not inputs)
    pdf_text: dict = field(default_factory=dict)    # relative path -> pdftotext output
    followups: list = field(default_factory=list)

    # helpers for predicates
    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def json(self, data: bytes | None = None) -> Any:
        """The payload of derive's JSON envelope ({"derive", "schema", "kind", "ok", "errors", "data"}); a document
        without the envelope is returned whole (and then fails the predicates that expect derive's fields)."""
        doc = strict_json(self.stdout if data is None else data)
        if isinstance(doc, dict) and {"derive", "schema", "kind", "data"} <= set(doc):
            return doc["data"]
        return doc

    def file(self, rel: str) -> bytes | None:
        p = self.tmp / rel
        if p.is_file() and not p.is_symlink():
            return p.read_bytes()
        return None


def strict_json(data: bytes | str) -> Any:
    """JSON with every number as a Decimal (no float underflow/overflow) and NaN/Infinity refused."""
    def bad_constant(name: str) -> Any:
        raise ValueError(f"non-finite JSON number {name}")
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=bad_constant)


# ---------------------------------------------------------------------------------------------------------- running
API_WRAPPER = r'''
import sys, traceback
snippet = sys.argv[1]
try:
    import derive
    from derive.errors import DeriveError
except BaseException:
    traceback.print_exc(); sys.exit(3)
ns = {"derive": derive, "TMP": sys.argv[2], "__name__": "__hostile__"}
try:
    exec(compile(snippet, "<hostile case>", "exec"), ns)
except DeriveError as e:
    first = (str(e).splitlines() or [""])[0]
    sys.stderr.write("derive api: %s: %s\n" % (type(e).__name__, first[:300]))
    sys.exit(2)
except BaseException:
    traceback.print_exc(); sys.exit(3)
sys.exit(0)
'''


# Every case runs under this launcher: a process forked from a big one (pytest after the rest of the suite, with
# torch loaded) starts with the parent's peak RSS in its ru_maxrss, so every case looked like 347 MB. The launcher is
# a fresh small interpreter; the command it forks inherits only that, and its wait4 gives the command's own peak.
LAUNCHER = r"""
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as e:
        os.write(2, ("derive-hostile-launcher: cannot start: %s\n" % e).encode())
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("%d %.6f\n" % (ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
if os.WIFSIGNALED(status):
    import signal
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
"""


def derive_command() -> list[str]:
    exe = shutil.which("derive")
    if exe:
        return [exe]
    return [sys.executable, "-m", "derive"]


class Battery:
    """One temporary root with the shared secret/outside files; cases run in root/cases/<id>/."""

    def __init__(self, root: Path | None = None) -> None:
        self._own = root is None
        self.root = Path(tempfile.mkdtemp(prefix="derive-hostile-")) if root is None else root
        (self.root / "cases").mkdir(parents=True, exist_ok=True)
        secret = self.root / "secret"
        secret.mkdir(exist_ok=True)
        (secret / "secret.txt").write_text(f"{SECRET_TOKEN} this file is outside every problem folder\n")
        outside = self.root / "outside"
        outside.mkdir(exist_ok=True)
        (outside / "net.toml").write_text(
            f'name = "{OUTSIDE_TOKEN}"\ninput = [3, 32, 32]\n\n[[layers]]\nname = "{OUTSIDE_TOKEN}_conv"\n'
            'type = "conv2d"\nout_channels = 16\nkernel_size = 3\npadding = 1\n')
        (outside / "sheet.md").write_text(f"$$f = x c = 6$$ {OUTSIDE_TOKEN}\n")
        self.derive = derive_command()

    def cleanup(self) -> None:
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)

    def subst(self, s: Any, tmp: Path) -> Any:
        pairs = {"@TMP@": str(tmp), "@SECRET@": str(self.root / "secret" / "secret.txt"),
                 "@OUTSIDE@": str(self.root / "outside"), "@REPO@": str(REPO), "@EXAMPLES@": str(EXAMPLES)}
        if isinstance(s, str):
            for k, v in pairs.items():
                s = s.replace(k, v)
        elif isinstance(s, bytes):
            for k, v in pairs.items():
                s = s.replace(k.encode(), v.encode())
        return s

    def argv_for(self, case: Case, argv: list, tmp: Path) -> list:
        if case.api:
            return [sys.executable, "-c", API_WRAPPER, self.subst(argv[0], tmp), str(tmp)]
        out = [self.subst(a, tmp) for a in argv]
        if out and out[0] == "derive":
            out = [*self.derive, *out[1:]]
        return out

    def make_files(self, case: Case, tmp: Path) -> set:
        inputs = set()
        for rel, spec in case.files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            inputs.add(rel)
            if isinstance(spec, Fifo):
                os.mkfifo(path)
            elif isinstance(spec, Symlink):
                os.symlink(self.subst(spec.target, tmp), path)
            elif isinstance(spec, Dir):
                path.mkdir(exist_ok=True)
            elif isinstance(spec, Big):
                line = spec.line.encode()
                block = line * max(1, (1 << 20) // len(line))
                with open(path, "wb") as f:
                    written = 0
                    while written < spec.mb << 20:
                        f.write(block)
                        written += len(block)
            elif isinstance(spec, bytes):
                path.write_bytes(self.subst(spec, tmp))
            elif isinstance(spec, str):
                path.write_bytes(self.subst(spec, tmp).encode("utf-8"))
            else:   # a file kind from another copy of this module would otherwise be written as its repr
                raise TypeError(f"case {case.id}: unknown file spec {spec!r} for {rel}")
        return inputs

    def run_case(self, case: Case) -> Run:
        tmp = self.root / "cases" / re.sub(r"[^A-Za-z0-9_.-]", "_", case.id)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        inputs = self.make_files(case, tmp)
        first = self._run_one(case, case.argv, tmp)
        first.created, first.pdf_text = self._collect(tmp, inputs)
        if first.rc == 0 and not first.killed:
            for argv in case.followups:
                r = self._run_one(case, argv, tmp)
                first.followups.append(r)
                if r.rc != 0 or r.killed:
                    break
            if case.followups:
                first.created, first.pdf_text = self._collect(tmp, inputs)
        return first

    def _run_one(self, case: Case, argv: list, tmp: Path) -> Run:
        full = self.argv_for(case, argv, tmp)
        as_bytes = case.as_limit_mb() << 20
        usage = tmp.parent / (tmp.name + ".rusage")
        usage.unlink(missing_ok=True)

        def limits() -> None:  # runs in the child between fork and exec
            resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (300 << 20, 300 << 20))

        env = dict(os.environ)
        env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                    "PYTHONUNBUFFERED": "1", "LC_ALL": env.get("LC_ALL", "C.UTF-8")})
        env.pop("PYTHONWARNINGS", None)
        stdin_file: Any
        if case.stdin_path is not None:
            stdin_file = open(case.stdin_path, "rb")
        elif case.stdin is not None:
            sf = tmp.parent / (tmp.name + ".stdin")
            sf.write_bytes(case.stdin)
            stdin_file = open(sf, "rb")
        else:
            stdin_file = subprocess.DEVNULL
        outp = tmp.parent / (tmp.name + ".stdout")
        errp = tmp.parent / (tmp.name + ".stderr")
        killed = False
        with open(outp, "wb") as fo, open(errp, "wb") as fe:
            t0 = time.monotonic()
            try:
                p = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(usage), *full], stdin=stdin_file,
                                     stdout=fo, stderr=fe, cwd=tmp, env=env, preexec_fn=limits,
                                     start_new_session=True)
            except OSError as e:  # e.g. an argument the kernel refuses
                return Run(case, tmp, full, 127, b"", f"cannot start: {e}".encode(), 0.0, 0.0, 0.0, False, None)
            deadline = t0 + case.kill_after()
            while True:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    killed = True
                    _killpg(p.pid)
                    pid, status, ru = os.wait4(p.pid, 0)
                    break
                time.sleep(0.02)
            wall = time.monotonic() - t0
            p.returncode = 0  # reaped by wait4; keep Popen from waiting again
            _killpg(p.pid)    # leftovers of the run (workers, TeX) in its session
        if stdin_file is not subprocess.DEVNULL:
            stdin_file.close()
        rc: int | None
        sig = None
        if os.WIFEXITED(status):
            rc = os.WEXITSTATUS(status)
        else:
            rc = None
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        cpu = ru.ru_utime + ru.ru_stime
        maxrss_mb = ru.ru_maxrss / 1024.0
        try:   # the command's own peak, measured by the launcher (a killed run keeps the inflated figure)
            maxrss_mb = int(usage.read_text().split()[0]) / 1024.0
        except (OSError, ValueError, IndexError):
            pass
        if rc == 127 and b"derive-hostile-launcher: cannot start" in _read_capped(errp):
            return Run(case, tmp, full, 127, b"", _read_capped(errp), 0.0, 0.0, 0.0, False, None)
        return Run(case, tmp, full, rc, _read_capped(outp), _read_capped(errp), wall, cpu, maxrss_mb, killed, sig)

    def _collect(self, tmp: Path, inputs: set) -> tuple[dict, dict]:
        created: dict = {}
        pdfs: dict = {}
        for path in sorted(tmp.rglob("*")):
            rel = str(path.relative_to(tmp))
            if rel in inputs or path.is_symlink() or not path.is_file():
                continue
            if any(rel.startswith(i + "/") for i in inputs):
                continue
            try:
                data = path.read_bytes()[: 20 << 20]
            except OSError:
                continue
            created[rel] = data
            if data.startswith(b"%PDF") and shutil.which("pdftotext"):
                try:
                    t = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, timeout=30)
                    pdfs[rel] = t.stdout.decode("utf-8", "replace")
                except subprocess.TimeoutExpired:
                    pdfs[rel] = ""
        return created, pdfs


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_capped(path: Path, cap: int = 20 << 20) -> bytes:
    with open(path, "rb") as f:
        return f.read(cap)


# ---------------------------------------------------------------------------------------------------------- classify
ERROR_LINE = re.compile(r"^derive(?: [a-z][a-z-]*)?: [A-Za-z][A-Za-z _-]*: \S.*$")
CARET_LINE = re.compile(r"^\s*\^+\s*$")

# Control words no derive template needs and an injected symbol/title/label/line must never bring in alive.
FORBIDDEN_CS = {"input", "include", "jobname", "catcode", "write", "openout", "openin", "immediate", "loop",
                "repeat", "iftrue", "read", "csname", "scantokens", "everyjob", "everypar", "shipout", "typein",
                "closeout", "closein", "endinput", "special", "outer", "lccode", "uccode", "lowercase", "uppercase",
                "errorstopmode", "scrollmode", "nonstopmode", "batchmode"}


def live_tex_primitives(tex: str) -> list[str]:
    r"""Control words from FORBIDDEN_CS (and ^^ escapes) alive in a LaTeX/Markdown text.

    A tiny tokenizer: ``\\`` is a control symbol (so ``\\input`` is a line break and the letters "input"),
    ``\textbackslash{}input`` is no control word ``\input``; comments are skipped.
    """
    found: list[str] = []
    i, n = 0, len(tex)
    while i < n:
        c = tex[i]
        if c == "\\":
            j = i + 1
            if j < n and tex[j].isalpha() and tex[j].isascii():
                while j < n and tex[j].isalpha() and tex[j].isascii():
                    j += 1
                word = tex[i + 1:j]
                if word in FORBIDDEN_CS:
                    found.append("\\" + word)
                i = j
            else:
                i = j + 1
        elif c == "%":
            nl = tex.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif c == "^" and tex.startswith("^^", i):
            found.append("^^" + tex[i + 2:i + 4])
            i += 2
        else:
            i += 1
    return found


def _format_of(argv: list) -> str | None:
    for k, a in enumerate(argv):
        if isinstance(a, str):
            if a == "--format" and k + 1 < len(argv):
                return str(argv[k + 1])
            if a.startswith("--format="):
                return a.split("=", 1)[1]
    return None


def _stdout_is_tex(run: Run) -> bool:
    case = run.case
    if case.api:
        return False
    argv = [a for a in case.argv if isinstance(a, str)]
    cmd = argv[1] if len(argv) > 1 else ""
    fmt = _format_of(argv)
    if fmt in ("json", "text", "table", "pdf"):
        return False
    if cmd in ("solve", "autodiff", "optim"):
        return True
    return fmt in ("latex", "markdown")


def security_findings(run: Run) -> list[str]:
    out: list[str] = []
    blobs = {"stdout": run.stdout, "stderr": run.stderr}
    for f in run.followups:
        blobs[f"followup stdout {' '.join(map(str, f.argv[-3:]))}"] = f.stdout
        blobs["followup stderr"] = f.stderr
    for rel, data in run.created.items():
        blobs[rel] = data
    for rel, text in run.pdf_text.items():
        blobs[rel + " (pdftotext)"] = text.encode()
    for name, data in blobs.items():
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        for m in LEAK_MARKERS:
            if m in text:
                out.append(f"{name} contains {m!r}")
                break
    tex_blobs = {}
    if _stdout_is_tex(run):
        tex_blobs["stdout"] = run.out
    for rel, data in run.created.items():
        if rel.endswith((".tex", ".md", ".ltx")):
            tex_blobs[rel] = data.decode("utf-8", "replace")
    for name, text in tex_blobs.items():
        live = live_tex_primitives(text)
        if live:
            out.append(f"{name}: live TeX {', '.join(sorted(set(live))[:5])}")
    for p in list(run.tmp.rglob(PWNED + "*")) + list(run.tmp.parent.parent.glob(PWNED + "*")):
        out.append(f"injected code wrote {p.name}")
    return out


@dataclass
class Verdict:
    cls: str
    passed: bool
    detail: str


def error_line_ok(stderr: str) -> tuple[bool, str]:
    """Exactly one clear ``derive CMD: KIND: message`` line (argparse usage before, caret context after)."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    if not lines:
        return False, "exit 2 with nothing on stderr"
    idx = [k for k, l in enumerate(lines) if ERROR_LINE.match(l)]
    if not idx:
        return False, f"no 'derive CMD: KIND: message' line: {lines[0][:160]!r}"
    k = idx[0]
    head = lines[:k]
    tail = lines[k + 1:]
    if head and not (head[0].startswith("usage:") and all(l.startswith((" ", "\t")) for l in head[1:])):
        return False, f"{len(lines)} lines on stderr before the error: {head[0][:120]!r}"
    if head and ": error:" not in lines[k] and ": usage error:" not in lines[k]:
        return False, "usage block before a non-argparse error"
    if tail:
        caret = len(tail) == 2 and CARET_LINE.match(tail[1]) is not None
        if not caret:
            return False, f"{len(lines)} lines on stderr; after the error: {tail[0][:120]!r}"
    if len(lines[k]) > 400:
        return False, f"error line of {len(lines[k])} characters (input echoed?)"
    return True, lines[k]


def classify(run: Run) -> Verdict:
    case = run.case
    expect = set(case.expect)
    err = run.err

    def verdict(cls: str, why: str) -> Verdict:
        passed = cls in {PASS_CLASSES[e] for e in expect}
        return Verdict(cls, passed, why)

    sec = security_findings(run)
    if sec:
        return verdict("security", "; ".join(sec)[:300])
    if run.killed or run.wall > case.hang:
        return verdict("hang", f"{'killed after' if run.killed else 'ran'} {run.wall:.1f} s")
    if "MemoryError" in err or run.sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
        return verdict("memory", f"MemoryError or signal {run.sig} (peak {run.maxrss_mb:.0f} MB)")
    if "Traceback (most recent call last)" in err or run.rc is None or run.rc not in (0, 1, 2):
        last = [l for l in err.splitlines() if l.strip()][-1:] or [f"signal {run.sig}"]
        return verdict("traceback", f"exit {run.rc}: {last[0][:200]}")

    refusal = run.rc == 2 or (run.rc == 1 and "ok" not in expect and "check-finding" not in expect
                              and "partial" not in expect)
    cpu_limit = case.refuse_cpu if refusal else case.ok_cpu
    mb_limit = case.refuse_mb if refusal else case.ok_mb
    if run.maxrss_mb > mb_limit:
        return verdict("memory", f"peak {run.maxrss_mb:.0f} MB > {mb_limit} MB")
    slow = run.cpu > cpu_limit

    def timed(v: Verdict) -> Verdict:
        if slow and v.passed:
            return verdict("slow", f"{run.cpu:.1f} s CPU > {cpu_limit} s ({v.cls})")
        return v

    for f in run.followups:
        if f.killed or f.rc != 0 or "Traceback" in f.err:
            return verdict("silently wrong", f"follow-up {' '.join(map(str, f.argv[-4:]))} failed: exit {f.rc}: "
                                             f"{(f.err.strip().splitlines() or [''])[-1][:200]}")

    def predicate() -> str | None:
        if case.pred is None:
            return None
        try:
            return case.pred(run)
        except Exception as e:  # a predicate that cannot read the output: the output is wrong
            return f"predicate could not read the output: {type(e).__name__}: {str(e)[:160]}"

    if run.rc == 0:
        if "ok" in expect:
            why = predicate()
            return timed(verdict("silently wrong", why) if why else verdict("ok", "exit 0, answer checked"))
        if "check-finding" in expect or "partial" in expect:
            return verdict(case.on_accept if case.on_accept != "bad input accepted" else "silently wrong",
                           f"exit 0: {(run.out.strip().splitlines() or [''])[-1][:200]}")
        return verdict(case.on_accept, f"exit 0: {(run.out.strip().splitlines() or [''])[-1][:160]}")

    if run.rc == 2 and "partial" not in expect:
        good, line = error_line_ok(err)
        if not good:
            return verdict("unclear error", line)
        if case.err_re and not re.search(case.err_re, line):
            return verdict("unclear error", f"message does not name what it should ({case.err_re}): {line[:200]}")
        if "error" in expect:
            return timed(verdict("clear error", line))
        if "ok" in expect:
            return verdict("refused", line)
        return verdict("wrong exit", f"exit 2 where {sorted(expect)} was due: {line[:200]}")

    # rc 1 (or rc 2 in a batch)
    if "partial" in expect:
        why = predicate()
        if why:
            return verdict("batch lost", why)
        return timed(verdict("partial", f"exit {run.rc}, the good items are there"))
    if "check-finding" in expect and run.rc == 1:
        why = predicate()
        return timed(verdict("silently wrong", why) if why else verdict("check-finding", "exit 1 with the finding"))
    if run.rc == 1:
        return verdict("wrong exit", f"exit 1: {(err.strip() or run.out.strip()).splitlines()[-1][:200] if (err.strip() or run.out.strip()) else ''}")
    return verdict("wrong exit", f"exit {run.rc}")


# ---------------------------------------------------------------------------------------------------------- battery
@dataclass
class Result:
    case: Case
    run: Run
    verdict: Verdict


def run_all(cases: Sequence[Case], workers: int = 2, progress: Callable[[Result], None] | None = None,
            root: Path | None = None) -> list[Result]:
    from concurrent.futures import ThreadPoolExecutor
    battery = Battery(root)
    order = sorted(cases, key=lambda c: -c.cost)
    results: dict[str, Result] = {}
    lock = threading.Lock()

    def one(case: Case) -> None:
        run = battery.run_case(case)
        v = classify(run)
        r = Result(case, run, v)
        with lock:
            results[case.id] = r
            if progress:
                progress(r)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one, order))
    finally:
        battery.cleanup()
    return [results[c.id] for c in cases]


def load_cases(path: Path | None = None, extended: bool = False) -> list[Case]:
    import importlib.util
    path = path or Path(__file__).with_name("cases.py")
    # cases.py does `from harness import Big, ...`: that must be this very module, or isinstance(spec, Big) in
    # make_files is False and a "50 MB file" is written as the text "Big(mb=50, ...)".
    sys.modules["harness"] = sys.modules[__name__]
    spec = importlib.util.spec_from_file_location("derive_hostile_cases", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["derive_hostile_cases"] = mod
    spec.loader.exec_module(mod)
    return list(mod.ALL_CASES if extended else mod.CASES)


def summary(results: Iterable[Result]) -> dict:
    results = list(results)
    counts = {k: 0 for k in ["clear error", "ok", "check-finding", "partial", *FAIL_CLASSES]}
    for r in results:
        counts[r.verdict.cls] = counts.get(r.verdict.cls, 0) + 1
    return {"tried": len(results), "passed": sum(r.verdict.passed for r in results), **counts}


def describe(r: Result) -> str:
    run = r.run
    argv = run.argv[1:] if not r.case.api else ["python -c", r.case.argv[0]]
    if not r.case.api and run.argv and run.argv[0].endswith("derive"):
        argv = ["derive", *run.argv[1:]]
    cmd = " ".join(_short(a) for a in argv)
    err2 = " | ".join(l[:150] for l in run.err.strip().splitlines()[:2])
    return (f"{r.case.id} [{r.verdict.cls}] {cmd[:200]}\n    expect {'/'.join(r.case.expect)}; exit {run.rc}, "
            f"{run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.maxrss_mb:.0f} MB; {r.verdict.detail[:220]}\n"
            f"    stderr: {err2[:300]}")


def _short(a: Any) -> str:
    s = a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else str(a)
    s = s.replace("\n", "\\n")
    if len(s) > 60:
        s = s[:40] + f"…({len(s)} chars)"
    if not s or re.search(r"[\s'\"\\$;&|<>(){}*?!`]", s):
        s = "'" + s.replace("'", "'\\''") + "'"
    return s
