"""User text in documents: Unicode, $…$ mathematics checked token by token, {field} placeholders."""
import pytest

from derive.errors import InputError
from derive.problems import loads, solve
from derive.render import render
from derive.usertext import check_maths, fill, user_latex, user_markdown


@pytest.mark.parametrize("text, latex", [
    ("Übung 3 — Rückwärts", "Übung 3 — Rückwärts"),
    ("β₁ and ∂L/∂w", r"$\beta$$_{1}$ and $\partial$L/$\partial$w"),
    ("cost 50% & more #1", r"cost 50\% \& more \#1"),
    (r"a dollar \$5", r"a dollar \$5"),
    ("costs $5, or $6 with tax", r"costs \$5, or \$6 with tax"),   # pandoc's rule: no maths closes here
    ("$ x$ and 50% & $5 #1", r"\$ x\$ and 50\% \& \$5 \#1"),
    ("$a$ then $b$", "$a$ then $b$"),
    (r"$\hat{v}_t = \frac{v_t}{1 - \beta_2^t}$", r"$\hat{v}_t = \frac{v_t}{1 - \beta_2^t}$"),
    (r"$\|w\|_2^2$ and $p = \sigma(w x + b)$", r"$\|w\|_2^2$ and $p = \sigma(w x + b)$"),
    ("$β₁ ≈ 0.9$", r"$\beta _{1} \approx  0.9$"),
])
def test_user_text_as_latex(text, latex):
    assert user_latex(text) == latex


@pytest.mark.parametrize("maths, needle", [
    (r"\input{/etc/passwd}", r"\input is not a maths command"),
    (r"\write18{ls}", r"\write is not a maths command"),
    (r"\def\x{1}", r"\def is not a maths command"),
    (r"\catcode`\^=11", r"\catcode is not a maths command"),
    (r"^^5cinput{x}", "^^ is not allowed"),
    (r"\csname input\endcsname", r"\csname is not a maths command"),
    (r"x^{2", "is never closed"),
    (r"x}", "closes no brace"),
    (r"\left( x", r"\left and \right do not pair up"),
    ("x & y", "'&'"),
    (r"a \\ b", r"\\ is not allowed"),
    ("x \u4e2d", "U+4E2D"),
])
def test_hostile_maths_is_refused_naming_the_command(maths, needle):
    with pytest.raises(InputError) as exc:
        check_maths(maths, "intro", "set.toml, problem 1")
    assert needle in str(exc.value) and "intro" in str(exc.value) and "set.toml, problem 1" in str(exc.value)


@pytest.mark.parametrize("text, needle", [
    ("$$x$$", "display maths"),
])
def test_bad_text_is_one_error(text, needle):
    with pytest.raises(InputError, match=needle.replace("$", r"\$")):
        user_latex(text, "title")


@pytest.mark.parametrize("text, latex", [
    ("done ✓", "done [check mark]"), ("ﬁne", "fine"), ("中", "[cjk unified ideograph-4e2d]"),
])
def test_characters_pdflatex_cannot_set_are_shown_by_name(text, latex):
    assert user_latex(text) == latex
    assert user_markdown(text) == text      # Markdown and JSON keep them as written


def test_markdown_keeps_maths_and_escapes_text():
    assert user_markdown(r"*not bold* $\frac{a}{b}$ [x] β₁") == r"\*not bold\* $\frac{a}{b}$ \[x\] β₁"


@pytest.mark.parametrize("template, fields, out", [
    ("at x = {x}, c = {c}", {"at": "c=3,x=5"}, "at x = 5, c = 3"),
    ("at {at}", {"at": {"x": 2, "c": 1.5}}, "at x = 2, c = 1.5"),
    ("w0 = {trajectory.w0}, lr {options.lr}", {"trajectory": {"w0": 0.5}, "options": {"lr": 0.001}},
     "w0 = 0.5, lr 0.001"),
    (r"braces {{kept}} and $\frac{x}{2}$ at {x}", {"at": "x=4"}, r"braces {kept} and $\frac{x}{2}$ at 4"),
    ("no placeholders", {}, "no placeholders"),
])
def test_placeholders_fill_from_the_problems_fields(template, fields, out):
    assert fill(template, fields) == out


def test_unknown_placeholder_names_what_there_is():
    with pytest.raises(InputError, match=r"unknown placeholder \{y\}; this problem has at, at.c, at.x, c, x"):
        fill("at {y}", {"at": "c=3,x=5"}, "intro", "p.toml, problem 1")


SET = '''title = "Übung — $\\\\nabla f$"
[[problem]]
number = "1"
kind = "autodiff"
expr = "x^2"
at = "x=3"
intro = "Differentiate $f = x^2$ at x = {x} (β₁ is not used)."
vary = { "at.x" = [4, 9] }
[[problem]]
number = "2"
kind = "autodiff"
expr = "x^3"
at = "x=2"
intro = "Bad: $\\\\input{/etc/passwd}$"
'''


def test_a_document_states_its_own_numbers_and_a_bad_intro_stays_its_problems_error():
    sol = solve(loads(SET))
    assert sol.problems[0].ok and not sol.problems[1].ok
    assert r"\input is not a maths command" in str(sol.problems[1].error)
    tex = render(sol, "latex")
    assert r"Differentiate $f = x^2$ at x = 3 ($\beta$$_{1}$ is not used)." in tex
    assert r"\title{Übung — $\nabla f$}" in tex and r"\input{/etc" not in tex
    md = render(sol, "markdown")
    assert "Differentiate $f = x^2$ at x = 3 (β₁ is not used)." in md and "# Übung — $\\nabla f$" in md


def test_variants_state_the_numbers_they_solve():
    from derive.problems.variants import make_variant
    v = make_variant(loads(SET), 7, 1)
    x = v.problemset.problems[0].fields["at"]["x"]
    md = render(solve(v.problemset), "markdown")
    assert 4 <= x <= 9 and f"at x = {x} (" in md and "at x = 3 (" not in md


def test_a_bad_title_refuses_the_file():
    with pytest.raises(InputError, match=r"title: \\write is not a maths command"):
        loads('title = "$\\\\write18{ls}$"\n[[problem]]\nnumber = "1"\nkind = "autodiff"\nexpr = "x"\nat = "x=1"\n')


def test_unicode_document_builds_a_pdf(tmp_path, tex_required):
    from derive.render import compile_pdf
    pdf = compile_pdf(render(solve(loads(SET)), "latex"), tmp_path / "u.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_free_text_and_part_texts_hold_checked_maths():
    sol = solve(loads('''[[problem]]
kind = "text"
text = "Since $\\\\frac{\\\\partial L}{\\\\partial w} = (p - t) x$, β₁ … done ✓"
parts = [{ text = "bad $\\\\input{x}$" }]
[[problem]]
kind = "autodiff"
expr = "x^2"
at = "x=3"
parts = [{ show = "forward", text = "so $v_1 = 9$" }]
'''))
    assert not sol.problems[0].ok and r"\input is not a maths command" in str(sol.problems[0].error)
    tex = render(sol, "latex")
    assert r"so $v_1 = 9$" in tex
    ok = solve(loads('[[problem]]\nkind = "text"\ntext = "Since $\\\\frac{\\\\partial L}{\\\\partial w} = (p - t) x$, '
                     'β₁ … done ✓"\n'))
    tex = render(ok, "latex")
    assert r"Since $\frac{\partial L}{\partial w} = (p - t) x$, $\beta$$_{1}$" in tex and "[check mark]" in tex
