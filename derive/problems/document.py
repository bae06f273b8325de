"""A whole solution document: every solved problem laid out by the problem-set templates (LaTeX, Markdown) or as
derive's JSON envelope (kind ``solution``). Registered with :func:`derive.render.render`."""
from __future__ import annotations

from derive.latex import Tex
from derive.problems.model import Solution
from derive.usertext import user_latex, user_markdown
from derive.render import formats_error, jupyter_display, render, render_template, to_json

FORMATS = ("latex", "markdown", "json")


@render.register
def _render_solution(solution: Solution, fmt: str = "latex", *, standalone: bool = True) -> str:
    """A solution is always a whole document (``standalone`` is accepted for the common call and ignored)."""
    if fmt == "json":
        data = solution.to_dict()   # first: a problem whose rendering fails records its error here
        return to_json("solution", data, ok=solution.ok, errors=[e.to_dict() for e in solution.errors])
    if fmt not in ("latex", "markdown"):
        raise formats_error(fmt, FORMATS, "a solution")
    # each body first: a problem whose rendering fails becomes that problem's error (shown in its box)
    bodies = [p.rendered(lambda d: render(d, fmt)) for p in solution.problems]
    text = user_latex if fmt == "latex" else user_markdown   # checked when read: here they only lay out
    items = [dict(number=p.number, intro=Tex(text(p.intro, "intro", p.where)), error=str(p.error) if p.error else "", body=Tex(body or ""),
                  figure=(p.figure or Tex("")) if fmt == "latex" else Tex(""))
             for p, body in zip(solution.problems, bodies)]
    ext = "tex" if fmt == "latex" else "md"
    return render_template(f"problemset.{ext}.j2", fmt, title=Tex(text(solution.title, "title")),
                           author=Tex(text(solution.author, "author")), problems=items)


jupyter_display(Solution)
