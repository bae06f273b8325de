"""Computer Modern at LaTeX's 11pt (10.95 pt), as TeX measures it: glyph widths, delimiter sizes and TeX's spacing
between atoms (TeXbook ch. 17-18), the data :mod:`derive.texwidth` sets maths with.

The widths were read from TeX itself (``\\setbox0\\hbox{$x$}\\the\\wd0`` for each glyph at 11 pt; see
benchmarks/bench_tex_width.py, which compares the model with TeX on whole rows).
"""
from __future__ import annotations

# derive's documents (templates/document.tex.j2, problemset.tex.j2) are article 11pt on letter paper with
# geometry's margin=2.2cm: \textwidth is 489.1 pt (tests/test_documents_fit.py asks TeX).
TEXT_WIDTH = 489.1

# Computer Modern at 10.95 pt (LaTeX's 11pt), widths in pt as TeX measures them: math italic and roman letters
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
IT = dict(zip(LETTERS, (
    5.788, 4.699, 4.739, 5.699, 5.099, 6.54, 5.616, 6.309, 3.772, 5.136, 6.045, 3.483, 9.614, 6.573, 5.308, 5.509,
    5.281, 5.244, 5.133, 3.954, 6.268, 5.701, 8.134, 6.258, 5.761, 5.574, 8.213, 8.855, 8.609, 9.37, 8.714, 8.562,
    8.609, 9.992, 5.673, 7.125, 10.083, 7.452, 11.817, 9.992, 8.657, 8.551, 8.657, 8.399, 7.346, 7.92, 8.67, 8.821,
    11.863, 9.931, 8.79, 8.258)))
RM = dict(zip(LETTERS, (
    5.475, 6.083, 4.867, 6.083, 4.867, 4.198, 5.627, 6.083, 3.042, 3.346, 5.779, 3.042, 9.125, 6.083, 5.475, 6.083,
    5.779, 4.289, 4.319, 4.258, 6.083, 5.931, 8.06, 5.779, 5.931, 4.867, 8.213, 7.756, 7.908, 8.365, 7.452, 7.148,
    8.593, 8.213, 3.954, 5.627, 8.517, 6.844, 10.038, 8.213, 8.517, 7.452, 8.517, 8.06, 6.083, 7.908, 8.213, 8.365,
    11.406, 8.213, 8.486, 6.692)))
RM.update({d: 5.475 for d in "0123456789"}, **{" ": 3.65, ".": 3.042, ",": 3.042, ":": 3.042, ";": 3.042,
            "-": 3.65, "(": 4.258, ")": 4.258, "[": 3.042, "]": 3.042, "/": 5.475, "=": 8.517, "+": 8.517,
            "'": 3.042, "!": 3.042, "?": 5.171, "_": 5.475})
CHARS = {   # one-character maths: class and width
    "(": ("open", 4.258), "[": ("open", 3.042), ")": ("close", 4.258), "]": ("close", 3.042),
    "!": ("close", 3.042), "?": ("close", 5.171), "|": ("ord", 3.042), "/": ("ord", 5.475), ".": ("ord", 3.042),
    ",": ("punct", 3.042), ";": ("punct", 3.042), ":": ("rel", 3.042), "'": ("ord", 2.806), "+": ("bin", 8.517),
    "-": ("bin", 8.517), "*": ("bin", 5.475), "=": ("rel", 8.517), "<": ("rel", 8.517), ">": ("rel", 8.517)}
SYMBOLS: dict[str, tuple[str, float]] = {}
for _names, _kind, _w in (
        ("partial", "ord", 6.422), ("alpha", "ord", 7.045), ("beta", "ord", 6.772), ("gamma", "ord", 6.277),
        ("delta", "ord", 5.281), ("epsilon", "ord", 4.445), ("varepsilon zeta xi", "ord", 5.106),
        ("eta", "ord", 5.83), ("theta", "ord", 5.445), ("lambda", "ord", 6.388), ("mu", "ord", 6.598),
        ("nu", "ord", 6.106), ("pi", "ord", 6.635), ("rho varrho", "ord", 5.661), ("sigma", "ord", 6.65),
        ("tau", "ord", 6.026), ("phi", "ord", 6.524), ("varphi chi psi upsilon", "ord", 7.163),
        ("omega", "ord", 7.209), ("iota", "ord", 3.9), ("kappa vartheta", "ord", 6.3), ("ell", "ord", 4.7),
        ("Gamma", "ord", 6.844), ("Delta nabla", "ord", 9.125), ("Theta Phi Psi Upsilon Omega Xi", "ord", 8.517),
        ("Sigma", "ord", 7.908), ("Pi", "ord", 8.213), ("Lambda", "ord", 7.6), ("infty", "ord", 10.95),
        ("prime", "ord", 3.0), ("emptyset forall exists \\$ |", "ord", 5.475), ("hbar", "ord", 6.3),
        ("% # top bot", "ord", 9.125), ("&", "ord", 8.517), ("_", "ord", 3.65), ("cdotp ldotp", "punct", 3.042),
        ("colon", "punct", 3.042), ("cdot", "bin", 3.042), ("circ ast star bullet setminus diamond", "bin", 5.475),
        ("times pm mp odot oplus otimes ominus div cap cup", "bin", 8.517), ("wedge vee land lor", "bin", 7.3),
        ("approx leq le geq ge neq ne equiv sim simeq cong propto in ni notin subset subseteq supset ll gg "
         "prec succ perp", "rel", 8.517), ("mid", "rel", 3.042), ("parallel", "rel", 5.475),
        ("to rightarrow leftarrow gets mapsto Rightarrow Leftarrow leftrightarrow Leftrightarrow", "rel", 10.95),
        ("longrightarrow longmapsto Longrightarrow", "rel", 15.8), ("iff implies", "rel", 21.9),
        ("lvert lbrack", "open", 3.042), ("lVert { lbrace", "open", 5.475), ("langle", "open", 4.258),
        ("lceil lfloor", "open", 4.867), ("rvert rbrack", "close", 3.042), ("rVert } rbrace", "close", 5.475),
        ("rangle", "close", 4.258), ("rceil rfloor", "close", 4.867), ("cdots", "inner", 14.6),
        ("ldots dots", "inner", 12.775), ("vdots", "ord", 3.042), ("ddots", "inner", 12.0)):
    for _n in _names.split():
        SYMBOLS["\\" + _n] = (_kind, _w)
del _names, _kind, _w, _n
OPERATORS = frozenset("ln log lg exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan max min "
                       "sup inf lim liminf limsup det dim ker arg deg gcd hom Pr".split())
LIMITS = frozenset("max min sup inf lim liminf limsup det gcd Pr sum prod coprod bigcup bigcap bigoplus "
                    "bigotimes".split())   # scripts under and over, in display style
BIG_OPS = {"sum": (15.817, 11.558), "prod": (13.992, 10.95), "coprod": (13.992, 10.95),
            "bigcup": (13.4, 9.7), "bigcap": (13.4, 9.7), "bigoplus": (15.817, 11.558),
            "bigotimes": (15.817, 11.558), "int": (10.95, 6.1), "oint": (10.95, 6.1)}
# \left/\right delimiters: width at each size (normal, \big, \Big, \bigg, \Bigg, extensible beyond)
DELIM_SIZES = (10.95, 13.14, 19.71, 26.28, 32.85)    # total height of each fixed size
DELIMS = {"paren": (4.258, 5.019, 6.54, 8.06, 8.669, 9.581), "bracket": (3.042, 4.563, 5.171, 5.779, 6.388, 7.3),
           "brace": (5.475, 6.388, 7.3, 8.213, 8.821, 9.733), "vert": (3.042, 3.65, 3.65, 3.65, 3.65, 3.65),
           "Vert": (5.475, 6.083, 6.083, 6.083, 6.083, 6.083), "angle": (4.258, 5.171, 6.692, 8.213, 8.821, 8.821),
           "null": (1.2,) * 6}
DELIM_OF = {"(": "paren", ")": "paren", "/": "paren", "\\backslash": "paren", "[": "bracket", "]": "bracket",
             "\\lbrack": "bracket", "\\rbrack": "bracket", "\\lceil": "bracket", "\\rceil": "bracket",
             "\\lfloor": "bracket", "\\rfloor": "bracket", "\\{": "brace", "\\}": "brace", "\\lbrace": "brace",
             "\\rbrace": "brace", "|": "vert", "\\vert": "vert", "\\lvert": "vert", "\\rvert": "vert",
             "\\mid": "vert", "\\|": "Vert", "\\Vert": "Vert", "\\lVert": "Vert", "\\rVert": "Vert",
             "\\langle": "angle", "\\rangle": "angle", ".": "null"}
BIG = {"big": 1, "Big": 2, "bigg": 3, "Bigg": 4}
SPACES = {"\\,": 3, "\\thinspace": 3, "\\:": 4, "\\>": 4, "\\medspace": 4, "\\;": 5, "\\thickspace": 5,
           "\\!": -3, "\\negthinspace": -3}                            # in mu (1/18 em), shrink with the style
FIXED_SPACES = {"\\quad": 10.95, "\\qquad": 21.9, "\\ ": 3.65, "~": 3.65, "\\enspace": 5.475, "\\enskip": 5.475}
ACCENTS = frozenset("bar dot ddot hat tilde vec check breve acute grave mathring overline underline widehat "
                     "widetilde overrightarrow boldsymbol".split())
MU = 10.95 / 18
AXIS = 2.7375
SCALE = (1.0, 1.0, 0.776, 0.68)      # width of display, text, script, scriptscript maths relative to text
SMALLER = (2, 2, 3, 3)               # the style of scripts
FRAC_STYLE = (1, 2, 3, 3)            # the style of a fraction's numerator and denominator
# TeX's spacing between atoms (TeXbook ch. 18): 0 none, 1 thin, a/b/c thin/medium/thick in display and text only
CLASSES = ("ord", "op", "bin", "rel", "open", "close", "punct", "inner")
SPACING = dict(zip(CLASSES, ("01bc000a", "11*c000a", "bb**b**b", "cc*0c00c", "00*00000", "01bc000a",
                               "aa*aaaaa", "a1bca0aa")))
GAPS = [{left: {right: {"1": 3, "a": 3 * big, "b": 4 * big, "c": 5 * big}.get(code, 0) * MU
                   for right, code in zip(CLASSES, row)} for left, row in SPACING.items()} for big in (0, 1)]
UNITS = {"pt": 1.0, "em": 10.95, "ex": 4.71, "mm": 2.845, "cm": 28.45, "in": 72.27, "mu": MU}
