"""A whole solution document: every solved problem laid out by the problem-set templates (LaTeX, Markdown) or as
derive's JSON envelope (kind ``solution``). Registered with :func:`derive.render.render`."""
from __future__ import annotations

from derive.latex import Tex
from derive.problems.model import Solution
from derive.usertext import user_latex, user_markdown
from derive.render import document_body, formats_error, jupyter_display, render, render_template, summary, to_json

FORMATS = ("latex", "markdown", "json")


@render.register
def _render_solution(solution: Solution, fmt: str = "latex", *, standalone: bool = True) -> str:
    """A solution is a whole document; ``standalone=False`` (LaTeX): its body, for another document (a notebook's,
    whose preamble has no TikZ: the graph figures are left out, as in Markdown)."""
    if fmt == "json":
        data = solution.to_dict()   # first: a problem whose rendering fails records its error here
        return to_json("solution", data, ok=solution.ok, errors=[e.to_dict() for e in solution.errors])
    if fmt not in ("latex", "markdown"):
        raise formats_error(fmt, FORMATS, "a solution")
    # each body first: a problem whose rendering fails becomes that problem's error (shown in its box)
    bodies = [p.rendered(lambda d: render(d, fmt)) for p in solution.problems]
    text = user_latex if fmt == "latex" else user_markdown   # checked when read: here they only lay out
    items = [dict(number=p.number, intro=Tex(text(p.intro, "intro", p.where)), error=str(p.error) if p.error else "", body=Tex(body or ""),
                  figure=(p.figure or Tex("")) if fmt == "latex" and standalone else Tex(""))
             for p, body in zip(solution.problems, bodies)]
    ext = "tex" if fmt == "latex" else "md"
    title, author = Tex(text(solution.title, "title")), Tex(text(solution.author, "author"))
    out = render_template(f"problemset.{ext}.j2", fmt, title=title, author=author, problems=items)
    if fmt == "latex" and not standalone:
        heading = (r"{\Large\bfseries " + title + r"\par}" if title else "") + (r"\emph{" + author + r"}\par" if author else "")
        return document_body(out, heading)
    return out


@summary.register
def _summary_solution(solution: Solution) -> str:
    kinds = ", ".join(f"{p.number} {p.kind}" for p in solution.problems[:8]) + (", …" if len(solution.problems) > 8 else "")
    failed = len(solution.errors)
    state = "all solved" if not failed else f"{failed} could not be solved"
    return f"{solution.title!r}: {len(solution.problems)} problems ({kinds}), {state}"


jupyter_display(Solution)
