"""One reader of the problem-set format: a file reads the same for ``derive solve`` (derive.problems.loads / load)
and ``derive check --problem`` (derive.check.load_problems), with the same problems, the same numbers and the same
one-line errors naming the file and the problem."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from derive.check import load_problems
from derive.cli import main
from derive.errors import DeriveError, InputError
from derive.problems import load, loads, solve

NET = 'input = [3, 8, 8]\n[[layers]]\nname = "c1"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 3\n'

AD = '[[problem]]\nnumber = "{n}"\nkind = "autodiff"\nexpr = "x^2 + c"\nat = "c=3,x=5"\n'

# name -> (problem file, its numbers as solve reads them, its kinds, whether `derive solve` solves it all)
GOOD = {
    "single-expr": ('title = "A neuron"\nauthor = "Sheet 1"\nexpr = "sigmoid(w*x + b)"\nat = "w=0.5,x=1.5,b=-0.2"\n'
                    'wrt = ["w", "b"]\n', ["1"], ["autodiff"], True),
    "single-expr-numbered": ('number = "4"\nexpr = "x*c"\nat = "x=2,c=3"\n', ["4"], ["autodiff"], True),
    "single-adam": ('kind = "adam"\nnorm = "squared"\n', ["1"], ["adam"], False),
    "single-optimizer": ('kind = "optimizer"\noptimizer = "momentum"\noptions = { lr = 0.1, momentum = 0.9 }\n',
                         ["1"], ["optimizer"], True),
    "single-cnn": ('kind = "cnn"\npreset = "vgg16"\nlayer = "pool5"\n', ["1"], ["cnn"], True),
    "several": ('title = "Homework"\n\n' + AD.format(n=1) + '\n[[problem]]\nnumber = "2"\nkind = "optimizer"\n'
                'optimizer = "adam"\nlayout = "seed2"\n\n[[problem]]\nnumber = "3"\nkind = "cnn"\npreset = "vgg16"\n',
                ["1", "2", "3"], ["autodiff", "optimizer", "cnn"], True),
    "numbering-2a-3": (AD.format(n="2a") + "\n" + AD.format(n="3").replace('"3"', "3"), ["2a", "3"],
                       ["autodiff", "autodiff"], True),
    "missing-number": ('[[problem]]\nkind = "autodiff"\nexpr = "x*x"\nat = "x=2"\n\n'
                       '[[problem]]\nkind = "autodiff"\nexpr = "x*x*x"\nat = "x=2"\n', ["1", "2"],
                       ["autodiff", "autodiff"], True),
    "missing-kind": ('[[problem]]\nnumber = "1"\nexpr = "x*x"\nat = "x=2"\n', ["1"], ["autodiff"], True),
    "text-problem": (AD.format(n=1) + '\n[[problem]]\nnumber = "2"\nkind = "text"\ntext = "Words only."\n',
                     ["1", "2"], ["autodiff", "text"], True),
    "cnn-spec-file": ('[[problem]]\nnumber = "1"\nkind = "cnn"\nspec = "net.toml"\ninput = 8\n', ["1"], ["cnn"], True),
    "problems-spelling": ('[[problems]]\nnumber = "1"\nkind = "autodiff"\nexpr = "x*x"\nat = "x=2"\n', ["1"],
                          ["autodiff"], True),
    "optim-kind": ('[[problem]]\nnumber = "1"\nkind = "optim"\noptimizer = "sgd"\n', ["1"], ["optim"], False),
}


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "net.toml").write_text(NET, encoding="utf-8")
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize("name", sorted(GOOD))
def test_solve_and_check_read_the_same_problems(name, tmp_path):
    text, numbers, kinds, solvable = GOOD[name]
    f = _write(tmp_path, text)
    ps = load(f)
    assert [p.number for p in ps.problems] == numbers
    assert [p.kind for p in ps.problems] == kinds
    assert [(p.number, p.kind, p.fields) for p in loads(text, source="p.toml").problems] == \
        [(p.number, p.kind, p.fields) for p in ps.problems]
    checked = load_problems(f)
    # check has every problem but the prose ones, with the same numbers; a lone top-level problem that names no
    # number is checked against the whole sheet (number "")
    expect = ["" if ps.single and not p.numbered else p.number for p in ps.problems if p.kind != "text"]
    assert [p.number for p in checked] == expect
    assert all(p.error is None for p in checked), [str(p.error) for p in checked]
    sol = solve(ps)
    assert sol.ok == solvable, [str(e) for e in sol.errors]
    for p in sol.problems:
        if p.error is not None:   # a kind only the checker knows: a clear error naming the problem
            assert isinstance(p.error, InputError) and f"p.toml, problem {p.number}: unknown kind" in str(p.error)
            assert 'kind = "optimizer"' in str(p.error)


def test_a_single_problem_keeps_its_title_as_the_problems():
    ps = loads('title = "A neuron"\nexpr = "x*c"\nat = "x=2,c=3"\n', source="p.toml")
    assert ps.single and ps.title == "" and ps.problems[0].fields["title"] == "A neuron"
    assert ps.problems[0].where == "p.toml, problem 1" and not ps.problems[0].numbered


def test_check_takes_a_lone_problem_for_any_number_and_a_set_only_for_its_own(tmp_path):
    one = _write(tmp_path, 'expr = "x*c"\nat = "x=2,c=3"\n')
    assert [p.number for p in load_problems(one, number="5")] == [""]   # the CLI then calls it problem 5
    two = tmp_path / "two.toml"
    two.write_text(AD.format(n="2a") + "\n" + AD.format(n="3"), encoding="utf-8")
    assert [p.number for p in load_problems(two, number="3")] == ["3"]
    with pytest.raises(InputError, match=r"has no problem 7 \(it has 2a, 3\)"):
        load_problems(two, number="7")


# name -> (problem file, what the one-line error says)
BROKEN = {
    "unknown-top-level-field": ('titel = "Typo"\n' + AD.format(n=1), r"p\.toml: unknown top-level field\(s\): titel"),
    "settings-wrong-type": ('settings = "fast"\n' + AD.format(n=1), r"p\.toml: settings must be a table, not a string"),
    "problem-wrong-type": ('problem = "x*x"\n', r"p\.toml: problem must be \[\[problem\]\] tables, not a string"),
    "problem-single-brackets": ('[problem]\nexpr = "x"\nat = "x=1"\n', r"p\.toml: problem must be \[\[problem\]\] "
                                                                       r"tables \(double brackets\)"),
    "problem-and-problems": (AD.format(n=1) + '[[problems]]\nexpr = "x"\n', r"p\.toml: give the problems as"),
    "empty": ("", r"p\.toml: no problems"),
    "title-only": ('title = "Empty"\n', r"p\.toml: no problems"),
    "invalid-toml": ('title = \n[[problem]\n', r"p\.toml"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_set_is_the_same_one_line_error_for_solve_and_check(name, tmp_path):
    text, message = BROKEN[name]
    f = _write(tmp_path, text)
    errors = []
    for read in (load, load_problems, lambda path: loads(text, source="p.toml")):
        with pytest.raises(DeriveError) as info:
            problems = read(f)
            if hasattr(problems, "problems"):   # solve: a problem that cannot be solved carries the error
                sol = solve(problems)
                raise sol.errors[0] if sol.errors else AssertionError("no error")
        errors.append(str(info.value))
    assert len(set(errors)) == 1, errors
    assert errors[0].startswith("p.toml") and re.search(message, errors[0]), errors[0]
    assert "\n" not in errors[0] or name == "invalid-toml"   # a TOML error shows the line and a caret under it


# problem 2 is broken the way people get it wrong; problem 1 is still solved and checked
FIRST = '[[problem]]\nnumber = "1"\nkind = "autodiff"\nexpr = "x^2 + c"\nat = "c=3,x=5"\n\n'
BAD_PROBLEM = {
    "kind-wrong-type": (FIRST + '[[problem]]\nnumber = "2"\nkind = 3\nexpr = "x"\nat = "x=1"\n',
                        "p.toml, problem 2: field 'kind' must be str (one of autodiff"),
    "number-wrong-type": (FIRST + '[[problem]]\nnumber = [2]\nkind = "autodiff"\nexpr = "x"\nat = "x=1"\n',
                          "p.toml, problem 2: field 'number' must be str or int"),
    "not-a-table": ('problem = [{ number = "1", kind = "autodiff", expr = "x^2 + c", at = "c=3,x=5" }, 2]\n',
                    "p.toml, problem 2: a problem must be a [[problem]] table, not an integer"),
    "field-wrong-type": (FIRST + '[[problem]]\nnumber = "2"\nkind = "autodiff"\nexpr = "x"\nat = 5\n',
                         "p.toml, problem 2"),
    "unknown-field": (FIRST + '[[problem]]\nnumber = "2"\nkind = "autodiff"\nexpr = "x"\nat = "x=1"\n'
                      'colour = "red"\n', "p.toml, problem 2: unknown field 'colour'"),
    "unknown-kind": (FIRST + '[[problem]]\nnumber = "2"\nkind = "quantum"\n', "p.toml, problem 2"),
}


@pytest.mark.parametrize("name", sorted(BAD_PROBLEM))
def test_a_broken_problem_names_file_and_problem_and_the_others_are_kept(name, tmp_path):
    text, message = BAD_PROBLEM[name]
    f = _write(tmp_path, text)
    sol = solve(load(f))
    assert [p.ok for p in sol.problems] == [True, False]
    solve_error = str(sol.problems[1].error)
    checked = load_problems(f)
    assert [p.error is None for p in checked] == [True, False]
    check_error = str(checked[1].error)
    assert isinstance(sol.problems[1].error, InputError) and isinstance(checked[1].error, InputError)
    for e in (solve_error, check_error):
        assert "\n" not in e and e.startswith("p.toml, problem 2"), e
    if name in ("kind-wrong-type", "number-wrong-type", "not-a-table"):   # the reader's own error: the same text
        assert solve_error == check_error
    assert solve_error.startswith(message), solve_error
    assert main(["solve", str(f), "--format", "json", "-o", str(tmp_path / "out.json")]) == 1
