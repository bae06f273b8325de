"""Jinja2 environments and output formats.

LaTeX templates use changed delimiters so braces and ``%`` pass through (``\\VAR{...}``, ``\\BLOCK{...}``,
``\\#{...}``, line comments ``%#``); every value that is not a :class:`~derive.latex.Tex` is escaped by the
``finalize`` hook, so user text can never inject LaTeX. Templates only lay out; they never compute.
"""
from __future__ import annotations

import functools
import json
import math
import numbers
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jinja2

from derive.derivation import Derivation
from derive.errors import DeriveError, InputError, LimitError
from derive.latex import Tex, escape_tex
from derive.settings import LIMITS, VERSION

FORMATS = ("latex", "markdown", "json")

# JSON output: one envelope for every kind, described by schemas/derive.schema.json (keep the two in step).
JSON_SCHEMA_VERSION = 1
JSON_SCHEMA_FILE = "schemas/derive.schema.json"
JSON_KINDS = ("autodiff", "optimizer", "trajectory", "cnn", "derivation", "solution", "check", "check-files")


def _json_value(value: Any, path: str) -> Any:
    """``value`` as plain JSON data: finite floats stay numbers (full precision: Python's shortest round-trip
    repr), a non-finite float becomes the string ``"inf"``, ``"-inf"`` or ``"nan"`` (strict JSON has no such
    numbers), tuples become lists, keys become strings; an exact fraction becomes its string ``"p/q"``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) or isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        x = float(value)
        if math.isfinite(x):
            return x
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(value, numbers.Rational):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "tolist"):           # a NumPy array or scalar
        return _json_value(value.tolist(), path)
    raise TypeError(f"derive's JSON output cannot hold {type(value).__name__} at {path}")


def json_envelope(kind: str, payload: dict[str, Any], ok: bool = True,
                  errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The one shape of derive's JSON: ``{"derive": version, "schema": 1, "kind", "ok", "errors", "data"}``;
    ``data`` holds the kind's own fields, ``errors`` are ``DeriveError.to_dict()`` records."""
    if kind not in JSON_KINDS:
        raise ValueError(f"unknown JSON kind {kind!r}; known: {', '.join(JSON_KINDS)}")
    return {"derive": VERSION, "schema": JSON_SCHEMA_VERSION, "kind": kind, "ok": bool(ok),
            "errors": _json_value(list(errors or []), "errors"), "data": _json_value(payload, "data")}


def to_json(kind: str, payload: dict[str, Any], ok: bool = True, errors: list[dict[str, Any]] | None = None) -> str:
    """Every JSON text derive writes comes from here: the envelope, indented, keys in the order built (the same
    input gives byte-identical output), strict JSON (no NaN/Infinity), UTF-8 text, a final newline."""
    return json.dumps(json_envelope(kind, payload, ok, errors), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def templates_dir() -> Path:
    """Installed wheels carry the templates inside the package; a source checkout has them at the top level."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise DeriveError("derive's templates were not found (broken installation)")


def _finalize_latex(value: Any) -> str:
    if value is None:
        return ""
    return escape_tex(value)


def _md_escape(value: Any) -> str:
    if isinstance(value, Tex):
        return str(value)
    text = str(value)
    for ch in ("\\", "*", "_", "`", "<", ">", "#", "|", "$"):
        text = text.replace(ch, "\\" + ch)
    return text


@functools.lru_cache(maxsize=None)
def environment(fmt: str) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(templates_dir()))
    common = dict(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True, autoescape=False)
    if fmt == "latex":
        env = jinja2.Environment(block_start_string=r"\BLOCK{", block_end_string="}",
                                 variable_start_string=r"\VAR{", variable_end_string="}",
                                 comment_start_string=r"\#{", comment_end_string="}",
                                 line_comment_prefix="%#", finalize=_finalize_latex, **common)
    elif fmt == "markdown":
        env = jinja2.Environment(finalize=_md_escape, **common)
    else:
        raise DeriveError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    env.filters["tex"] = lambda s: Tex(s) if isinstance(s, Tex) else Tex(escape_tex(s))
    env.tests["tex"] = lambda s: isinstance(s, Tex)
    return env


def render_template(name: str, fmt: str, **context: Any) -> str:
    return environment(fmt).get_template(name).render(**context)


def formats_error(fmt: str, allowed: tuple[str, ...], what: str) -> InputError:
    """The one wording of an unknown output format for a record."""
    return InputError(f"unknown format {fmt!r} for {what}; choose one of {', '.join(allowed)}", "format")


@functools.singledispatch
def render(record: Any, fmt: str = "latex", **options: Any) -> str:
    """``record`` in the format ``fmt``: the ONE format switch of derive (records never render themselves).

    ``latex`` (a fragment; ``standalone=True`` for a whole document that compiles as is), ``markdown`` (``$$``
    blocks), ``json`` (derive's envelope, schemas/derive.schema.json) and, for a check report and a CNN analysis,
    ``text``. Each package registers its records here (``@render.register``, and :func:`summary` for the repr):
    a Derivation below; an autodiff result in :mod:`derive.autodiff.sweeps`, a trajectory in
    :mod:`derive.optim.numeric`, a CNN analysis and its table in :mod:`derive.cnn.report`, a matrix result in
    :mod:`derive.matrix.worked`, a solution in :mod:`derive.problems.document`, a check report in
    :mod:`derive.check.present`.
    """
    raise InputError(f"derive cannot render a {type(record).__name__}: give one of derive's results (a "
                     "Derivation, an autodiff, trajectory, CNN or matrix result, a solution or a check report)",
                     "render")


@functools.singledispatch
def summary(record: Any) -> str:
    """One line about ``record`` (what it is of, its main numbers): the text of its ``__repr__``, so a notebook's
    text/plain stays a line, not a dump of the record's fields. Packages register their records, as for render."""
    return ""


SUMMARY_CHARS = 300   # a repr longer than this is cut: a text/plain output stays one short line


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """``text`` on one line (runs of white space become one space), cut with ``…`` past ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _repr(self: Any) -> str:
    try:
        body = one_line(summary(self))
    except Exception as exc:   # a repr must never raise: tracebacks, debuggers and pytest call it on anything
        body = f"(no summary: {type(exc).__name__})"
    return f"<{type(self).__name__}{' ' + body if body else ''}>"


_TEXT_OPEN = re.compile(r"\\text\{")
# what escape_tex leaves in text (\_ and its named characters) -> the same character in maths mode
_TEXT_ESCAPE = re.compile(r"\\(?:textbackslash|textasciicircum|textasciitilde|textless|textgreater)\{\}|\\[_&%#$\{\}]")
_MATH_OF = {r"\textbackslash{}": r"\backslash ", r"\textasciicircum{}": r"{}^\wedge ", r"\textasciitilde{}": r"\sim ",
            r"\textless{}": "<", r"\textgreater{}": ">"}


def _group_end(text: str, start: int) -> int:
    """The index of the brace closing the group opened just before ``start`` (escaped braces skipped)."""
    depth, i = 1, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        depth += (ch == "{") - (ch == "}")
        if depth == 0:
            return i
        i += 1
    return -1


def _mathjax_text(content: str) -> str:
    """``\\text{...}`` content holding TeX escapes, in a form MathJax shows as TeX does: MathJax sets ``\\text``
    verbatim (``conv1\\_1`` would show its backslash), so a name is ``\\mathrm{conv1\\_1}`` and words keep
    ``\\text{}`` with each escape between them in maths mode."""
    if not re.search(r"\s", content):
        return r"\mathrm{" + _TEXT_ESCAPE.sub(lambda m: _MATH_OF.get(m.group(0), m.group(0)), content) + "}"
    out, last = [], 0
    for m in _TEXT_ESCAPE.finditer(content):
        if m.start() > last:
            out.append(r"\text{" + content[last:m.start()] + "}")
        out.append(_MATH_OF.get(m.group(0), m.group(0)))
        last = m.end()
    if last < len(content):
        out.append(r"\text{" + content[last:] + "}")
    return "".join(out)


def mathjax_markdown(markdown: str) -> str:
    """derive's Markdown with every ``\\text{...}`` that holds a TeX escape made MathJax-safe (the notebook's
    Markdown); the rest is unchanged. ``render(..., "markdown")`` itself stays as it is: TeX reads it right."""
    out, pos = [], 0
    for m in _TEXT_OPEN.finditer(markdown):
        if m.start() < pos:
            continue
        end = _group_end(markdown, m.end())
        content = markdown[m.end():end] if end >= 0 else ""
        if end < 0 or not _TEXT_ESCAPE.search(content):
            continue
        out += [markdown[pos:m.start()], _mathjax_text(content)]
        pos = end + 1
    return "".join(out) + markdown[pos:]


def document_body(document: str, heading: str = "") -> str:
    """The body of a whole LaTeX document from derive's templates, for pasting into another document (a
    notebook's, whose preamble nbconvert writes): what lies between ``\\begin{document}`` and ``\\end{document}``,
    with ``\\maketitle`` replaced by ``heading`` (the title belongs to the other document)."""
    start = document.index(r"\begin{document}") + len(r"\begin{document}")
    body = document[start:document.rindex(r"\end{document}")].strip("\n")
    return body.replace(r"\maketitle", heading, 1) + "\n"


def jupyter_display(cls: type) -> type:
    """Give a record class Jupyter's display hooks, all through the one format switch: ``_repr_markdown_`` (the
    record's Markdown, MathJax-safe), ``_repr_latex_`` (its LaTeX as a fragment: ``render(record, "latex",
    standalone=False)``, which nbconvert pastes into its own document) and a one-line ``__repr__`` (from
    :func:`summary`). Jupyter asks the object itself; this keeps the rendering here, not in the record."""
    def _repr_markdown_(self: Any) -> str:
        return mathjax_markdown(render(self, "markdown"))

    def _repr_latex_(self: Any) -> str:
        return render(self, "latex", standalone=False)
    cls._repr_markdown_ = _repr_markdown_   # type: ignore[attr-defined]
    cls._repr_latex_ = _repr_latex_         # type: ignore[attr-defined]
    cls.__repr__ = _repr                    # type: ignore[method-assign]
    return cls


@render.register
def _render_derivation(derivation: Derivation, fmt: str = "latex", *, standalone: bool = False,
                       kind: str | None = None) -> str:
    if fmt == "json":
        return to_json(kind or derivation.json_kind(), derivation.to_dict())
    ext = {"latex": "tex", "markdown": "md"}.get(fmt)
    if ext is None:
        raise formats_error(fmt, FORMATS, "a derivation")
    whole = standalone and fmt == "latex"   # Markdown is always a whole document, with its heading
    body = render_template(f"derivation.{ext}.j2", fmt, d=derivation, heading=not whole)
    if whole:
        return render_template("document.tex.j2", fmt, title=derivation.title, author="", body=Tex(body))
    return body


@summary.register
def _summary_derivation(derivation: Derivation) -> str:
    labels = " ".join(p.label for p in derivation.parts if p.label)
    parts = f"{len(derivation.parts)} part{'s' if len(derivation.parts) != 1 else ''}" + (f" {labels}" if labels else "")
    return f"{derivation.title!r}: {parts}, {len(derivation.lines())} lines"


jupyter_display(Derivation)


def standalone_latex(body: str, title: str = "", author: str = "") -> str:
    """Wrap a LaTeX body in derive's document preamble."""
    return render_template("document.tex.j2", "latex", title=title, author=author, body=Tex(body))


def have_tex() -> bool:
    return shutil.which("latexmk") is not None or shutil.which("pdflatex") is not None


def _tex_rlimits() -> None:  # pragma: no cover - runs in the child between fork and exec
    # TeX on derive's own output needs a few hundred MB; a runaway macro must not take the machine with it.
    cap = LIMITS.tex_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


_TEX_ERROR = re.compile(r"^(?:!\s*(?P<bang>.*)|(?:\./)?[\w.-]+\.tex:(?P<line>\d+):\s*(?P<msg>.*))$", re.M)


def _first_tex_error(log: str) -> str:
    """The first error of a TeX log (``! ...`` or, with -file-line-error, ``./doc.tex:12: ...``), on one line."""
    m = _TEX_ERROR.search(log)
    if not m:
        return "no error line in the log"
    text = m.group("bang") if m.group("bang") is not None else f"{m.group('msg')} (line {m.group('line')} of the LaTeX)"
    return text if len(text) <= 160 else text[:157] + "..."


def compile_pdf(tex: str, out: str | os.PathLike[str], timeout: float | None = None) -> Path:
    """Build a PDF from LaTeX source, as untrusted work: a fresh temporary folder, no shell escape, paranoid file
    access (TeX may read and write nothing outside that folder but its own installation), a time and a memory
    limit. A failure is one :class:`DeriveError` line; the TeX log is then kept beside ``out`` as ``*.log``."""
    out = Path(out)
    timeout = LIMITS.tex_seconds if timeout is None else timeout
    if not have_tex():
        raise DeriveError("cannot build a PDF: neither latexmk nor pdflatex is installed "
                          "(install TeX Live, e.g. 'apt-get install texlive-latex-recommended texlive-pictures lmodern latexmk')")
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(tex, encoding="utf-8")
        tex_flags = "-no-shell-escape -interaction=nonstopmode -halt-on-error -file-line-error"
        if shutil.which("latexmk"):
            # -norc: no latexmkrc (Perl code) from the user's home or the build folder is run
            cmd = ["latexmk", "-norc", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                   f"-pdflatex=pdflatex {tex_flags} %O %S", "doc.tex"]
        else:
            cmd = ["pdflatex", *tex_flags.split(), "doc.tex"]
        # kpathsea's paranoid mode: no \input or \openout of an absolute path, a parent folder or a dot file
        env = dict(os.environ, openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=tmp)
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_tex_rlimits)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # latexmk's pdflatex children too
            proc.communicate()
            raise LimitError(f"LaTeX did not finish building {out.name} within {timeout:g} s; "
                             "the build was stopped") from None
        pdf = Path(tmp) / "doc.pdf"
        if proc.returncode != 0 or not pdf.exists():
            log = Path(tmp) / "doc.log"
            text = log.read_text(errors="replace") if log.exists() else output.decode(errors="replace")
            kept = out.with_suffix(".log")
            try:
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_text(text, encoding="utf-8")
                where = f"; the log is at {kept}"
            except OSError:
                where = ""
            raise DeriveError(f"LaTeX could not build {out.name}: {_first_tex_error(text)}{where}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out)
    return out
