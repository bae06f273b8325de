"""Jinja2 environments and output formats.

LaTeX templates use changed delimiters so braces and ``%`` pass through (``\\VAR{...}``, ``\\BLOCK{...}``,
``\\#{...}``, line comments ``%#``); every value that is not a :class:`~derive.latex.Tex` is escaped by the
``finalize`` hook, so user text can never inject LaTeX. Templates only lay out; they never compute.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import jinja2

from .errors import DeriveError
from .latex import Tex, escape_tex

FORMATS = ("latex", "markdown", "json")


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


def render_derivation(derivation: Any, fmt: str, standalone: bool = False) -> str:
    """A derivation as a LaTeX fragment (or whole document) or as Markdown."""
    if fmt == "json":
        return derivation.to_json()
    ext = {"latex": "tex", "markdown": "md"}.get(fmt)
    if ext is None:
        raise DeriveError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    body = render_template(f"derivation.{ext}.j2", fmt, d=derivation, heading=not standalone)
    if standalone and fmt == "latex":
        return render_template("document.tex.j2", fmt, title=derivation.title, author="", body=Tex(body))
    return body


def standalone_latex(body: str, title: str = "", author: str = "") -> str:
    """Wrap a LaTeX body in derive's document preamble."""
    return render_template("document.tex.j2", "latex", title=title, author=author, body=Tex(body))


def have_tex() -> bool:
    return shutil.which("latexmk") is not None or shutil.which("pdflatex") is not None


def compile_pdf(tex: str, out: str | os.PathLike[str], timeout: float = 300) -> Path:
    """Build a PDF from LaTeX source in a temporary directory, never with shell escape."""
    out = Path(out)
    if not have_tex():
        raise DeriveError("cannot build a PDF: neither latexmk nor pdflatex is installed "
                          "(install TeX Live, e.g. 'apt-get install texlive-latex-recommended texlive-pictures latexmk')")
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(tex, encoding="utf-8")
        if shutil.which("latexmk"):
            cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                   "-pdflatex=pdflatex -no-shell-escape -interaction=nonstopmode -halt-on-error %O %S", "doc.tex"]
        else:
            cmd = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
        env = dict(os.environ, openout_any="p", shell_escape="f")
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
        pdf = Path(tmp) / "doc.pdf"
        if proc.returncode != 0 or not pdf.exists():
            log = (Path(tmp) / "doc.log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else proc.stdout[-2000:]
            raise DeriveError(f"LaTeX failed to compile the document:\n{tail}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out)
    return out
