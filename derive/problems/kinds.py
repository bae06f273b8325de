"""The solvers behind each problem kind of a problem set, and ``KINDS``, the table that names them."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from derive import cnn, files, optim
from derive.matrix import PARTS as MATRIX_PARTS, matrix
from derive.autodiff.sweeps import PARTS, autodiff
from derive.derivation import Block, Derivation, Part
from derive.errors import InputError
from derive.evaluate import point_of
from derive.autodiff.figure import graph_figure
from derive.problems.model import Problem, Solved, take, with_texts
from derive.usertext import user_segments
from derive.autodiff.traces import derivation_for


def _parts(p: Problem, raw: Any, choices: tuple[str, ...]) -> tuple[list[str], list[str], dict[str, str]]:
    """``parts = ["chain", {show = "reverse", label = "(c)", text = "…"}]`` -> names, labels, texts."""
    names, labels, texts = [], [], {}
    for k, item in enumerate(raw):
        if isinstance(item, str):
            item = {"show": item}
        if not isinstance(item, dict) or "show" not in item:
            raise InputError(f"parts[{k}] must be a name or a table with 'show'", p.where)
        extra = set(item) - {"show", "label", "text"}
        if extra:
            raise InputError(f"parts[{k}] has unknown field(s) {', '.join(sorted(extra))}", p.where)
        if item["show"] not in choices:
            raise InputError(f"parts[{k}]: unknown part {item['show']!r}; choose from {', '.join(choices)}", p.where)
        label = str(item.get("label", f"({'abcdefghij'[k]})"))
        names.append(item["show"])
        labels.append(label)
        if "text" in item:
            texts[label] = str(item["text"])
    return names, labels, texts


def solve_autodiff(p: Problem, settings: Mapping[str, Any]) -> Solved:
    f = take(p, {"expr": (str,), "at": (str, dict), "wrt": (str, list), "log_base": (str, int),
                 "letter": (str,), "forward_letter": (str,), "sigfigs": (int,), "rounding": (str,),
                 "parts": (list,), "figure": (bool,), "figure_adjoints": (bool,), "intro": (str,),
                 "title": (str,)}, required=("expr", "at"))
    names, labels, texts = _parts(p, f.get("parts", list(PARTS)), PARTS)
    opts = {k: f.get(k, settings.get(k)) for k in ("log_base", "letter", "sigfigs", "rounding")}
    opts = {k: (str(v) if k == "log_base" else v) for k, v in opts.items() if v is not None}
    r = autodiff(f["expr"], at=point_of(f["at"]), wrt=f.get("wrt"), parts=names,
                 forward_letter=f.get("forward_letter"), **opts)
    d = with_texts(derivation_for(r, tuple(labels)), texts)
    d.title = f.get("title", "")
    fig = graph_figure(r, adjoints=f.get("figure_adjoints", False)) if f.get("figure", False) else None
    return Solved(p.number, p.kind, d, figure=fig, intro=f.get("intro", ""))


def solve_text(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """Free text: paragraphs the author writes (user text: escaped, ``$…$`` maths checked, so no LaTeX is injected)."""
    f = take(p, {"text": (str,), "parts": (list,), "title": (str,)})
    parts = []
    for k, item in enumerate(f.get("parts", [])):
        if not isinstance(item, dict) or "text" not in item:
            raise InputError(f"parts[{k}] must be a table with 'text' (and optionally 'label')", p.where)
        parts.append(Part(str(item.get("label", f"({'abcdefghij'[k]})")), "",
                          tuple(Block.text(*user_segments(par, f"parts[{k}].text", p.where))
                                for par in str(item["text"]).split("\n\n"))))
    if "text" in f:
        parts.insert(0, Part("", "", tuple(Block.text(*user_segments(par, "text", p.where))
                                           for par in f["text"].split("\n\n"))))
    if not parts:
        raise InputError("a text problem needs 'text' or 'parts'", p.where)
    return Solved(p.number, p.kind, Derivation(f.get("title", ""), parts, {"text": f.get("text", "")}))


CNN_PARTS = ("receptive_field", "parameters", "table")


def solve_cnn(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """A network (a preset or a spec file next to the problem file): receptive field, parameters, layer table."""
    f = take(p, {"preset": (str,), "spec": (str,), "input": (int, list), "layer": (str,), "parts": (list,),
                 "intro": (str,), "title": (str,)})
    if ("preset" in f) == ("spec" in f):
        raise InputError("give exactly one of 'preset' or 'spec'", p.where)
    if "preset" in f:
        net = cnn.preset(f["preset"])
    else:   # a spec is named relative to the problem file and must stay in its folder (untrusted problem files)
        net = cnn.load_spec(files.resolve_in(p.base, f["spec"], "spec file", p.where, p.allowed))
    size = f.get("input")
    an = cnn.analyse(net, tuple(size) if isinstance(size, list) else size)
    names, labels, texts = _parts(p, f.get("parts", list(CNN_PARTS[:2])), CNN_PARTS)
    build = {"receptive_field": lambda lab: cnn.receptive_field_part(an, f.get("layer"), lab),
             "parameters": lambda lab: cnn.parameters_part(an, lab),
             "table": lambda lab: cnn.layer_table_part(an, lab)}
    d = Derivation(f.get("title", ""), [build[n](lab) for n, lab in zip(names, labels)],
                   cnn.summary_dict(an, f.get("layer")))
    return Solved(p.number, p.kind, with_texts(d, texts), intro=f.get("intro", ""))


def solve_optimizer(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """An optimizer: its update rule and unrolled steps (``derive``), or the seed's problem 2 (``layout = "seed2"``),
    and optionally a numeric ``trajectory`` table."""
    f = take(p, {"optimizer": (str,), "derive": (list, str), "notation": (str,), "vector": (bool,),
                 "norm": (str,), "options": (dict,), "layout": (str,), "trajectory": (dict,), "labels": (list,),
                 "texts": (dict,), "intro": (str,), "title": (str,)}, required=("optimizer",))
    options = dict(f.get("options", {}))
    if "betas" in options and isinstance(options["betas"], list):
        options["betas"] = tuple(options["betas"])
    if f.get("layout") not in (None, "seed2"):
        raise InputError(f"unknown layout {f['layout']!r} (known: seed2)", p.where)
    if f.get("layout") == "seed2":
        if f["optimizer"] != "adam":
            raise InputError("layout seed2 is the seed's Adam problem: optimizer must be 'adam'", p.where)
        extra = set(options) - {"eps_inside", "betas"}
        if extra:
            raise InputError(f"layout seed2 takes only the options eps_inside and betas, not {', '.join(sorted(extra))}",
                             p.where)
        d = optim.seed_problem2(notation=f.get("notation", "seed"), eps_inside=bool(options.get("eps_inside", False)),
                                norm=f.get("norm", "squared"), betas=options.get("betas", (0.9, 0.999)))
    else:
        d = optim.derivation(f["optimizer"], derive=f.get("derive"), notation=f.get("notation", "seed"),
                             vector=f.get("vector", False), norm=f.get("norm", "squared"), **options)
    parts = list(d.parts)
    if "trajectory" in f:
        t = dict(f["trajectory"])
        unknown = set(t) - {"w0", "grads", "loss", "steps", "sigfigs"}
        if unknown:
            raise InputError(f"trajectory has unknown field(s) {', '.join(sorted(unknown))}", p.where)
        sig = t.pop("sigfigs", 6)
        traj = optim.trajectory(f["optimizer"], **t, **{k: v for k, v in options.items() if k != "eps_inside"})
        td = optim.trajectory_derivation(traj, f.get("notation", "seed"), sig)
        parts.append(Part(f"({'abcdefghij'[len(parts)]})", "Trajectory:", td.parts[-1].blocks))
        d.data = dict(d.data, trajectory=td.data)
    labels = f.get("labels")
    if labels is not None:
        if len(labels) != len(parts):
            raise InputError(f"labels has {len(labels)} entries for {len(parts)} parts", p.where)
        parts = [Part(str(lab), pt.title, pt.blocks) for lab, pt in zip(labels, parts)]
    d = Derivation(f.get("title", ""), parts, d.data, d.notes)
    return Solved(p.number, p.kind, with_texts(d, {str(k): str(v) for k, v in f.get("texts", {}).items()}),
                  intro=f.get("intro", ""))


def solve_matrix(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """Backpropagation with vectors and matrices: ``steps`` in LaTeX (or ``layers`` and ``loss``) over ``values``
    (TOML arrays: a list is a column vector, a list of rows a matrix)."""
    f = take(p, {"steps": (list, str), "layers": (list,), "loss": (str,), "values": (dict,), "wrt": (list,),
                 "sigfigs": (int,), "parts": (list,), "intro": (str,), "title": (str,)}, required=("values",))
    if ("steps" in f) == ("layers" in f):
        raise InputError("give exactly one of 'steps' or 'layers'", p.where)
    names, labels, texts = _parts(p, f.get("parts", list(MATRIX_PARTS)), MATRIX_PARTS)
    r = matrix(f.get("steps"), f["values"], layers=f.get("layers"), loss=f.get("loss", "cross_entropy"),
               wrt=f.get("wrt"), sigfigs=f.get("sigfigs", settings.get("sigfigs", 3)), parts=names, labels=labels,
               title=f.get("title", ""))
    return Solved(p.number, p.kind, with_texts(r.derivation, texts), intro=f.get("intro", ""))


Solver = Callable[[Problem, Mapping[str, Any]], Solved]

# One entry per kind a problem set may name (the problem-set reader and the error for an unknown kind read it).
KINDS: dict[str, Solver] = {"autodiff": solve_autodiff, "text": solve_text, "cnn": solve_cnn,
                            "optimizer": solve_optimizer, "matrix": solve_matrix}
