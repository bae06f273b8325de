"""Where the graph figure's edge labels go: on each edge's last stretch, clear of the nodes, of the other edges
and of each other.

TikZ sets a label ``pos=t, above, sloped``: turned along its stretch (never upside down) and standing on it. The
label is modelled as that rectangle, its size from the printed width of its maths (:mod:`derive.texwidth`), and
sampled at a few points along its length; a place is clear when every sample keeps its distance. Coordinates are
the figure's, in cm.
"""
from __future__ import annotations

from math import hypot

from derive.texwidth import width

Point = tuple[float, float]

CM = 28.4528                      # TeX pt per cm
SCRIPT = 8.0 / 10.95              # \scriptsize against the page's maths
LABEL_H = 0.28                    # cm: a line of \scriptsize maths and its white frame (inner sep 1 pt)
GAP = 0.06                        # cm of white at least between a label and anything else
PLACES = (0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85)   # along the stretch, preferred first


def clip(centre: Point, toward: Point, half: Point) -> Point:
    """Where the line from ``toward`` to the centre of a node (half its width and height) meets its border."""
    dx, dy = centre[0] - toward[0], centre[1] - toward[1]
    t = min(half[0] / abs(dx) if dx else 1.0, half[1] / abs(dy) if dy else 1.0, 1.0)
    return centre[0] - dx * t, centre[1] - dy * t


def _to_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / n))
    return hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _to_box(p: Point, centre: Point, half: Point) -> float:
    return hypot(max(abs(p[0] - centre[0]) - half[0], 0.0), max(abs(p[1] - centre[1]) - half[1], 0.0))


def samples(a: Point, b: Point, t: float, length: float) -> list[Point]:
    """Points along the middle of a label of ``length`` cm set at ``t`` on the stretch a -> b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    if ux < 0 or (ux == 0 and uy > 0):       # TikZ turns a sloped label that would stand upside down
        ux, uy = -ux, -uy
    nx, ny = -uy, ux                          # "above": to the left of the reading direction
    cx, cy = a[0] + dx * t + nx * LABEL_H / 2, a[1] + dy * t + ny * LABEL_H / 2
    k = max(1, int(length / LABEL_H))
    return [(cx + ux * length * (s / k - 0.5), cy + uy * length * (s / k - 0.5)) for s in range(k + 1)]


def places(edges: list[list[Point]], labels: list[str], nodes: list[Point], half: Point) -> list[float]:
    """For each edge (its visible polyline, from node border through its bends to node border) the place of its
    label on its last stretch. Short stretches choose first (a long one has room to move aside); each takes the
    first of PLACES clear of every node, every other edge and the labels placed so far, else the clearest."""
    lengths = [width(lab) * SCRIPT / CM + 0.07 for lab in labels]
    segments = [(k, p, q) for k, line in enumerate(edges) for p, q in zip(line, line[1:])]
    placed: list[Point] = []
    out = [0.5] * len(edges)
    last = [(line[-2], line[-1]) for line in edges]
    for k in sorted(range(len(edges)), key=lambda k: (round(hypot(last[k][1][0] - last[k][0][0],
                                                                   last[k][1][1] - last[k][0][1]), 3), k)):
        a, b = last[k]

        def clearance(t: float) -> float:
            pts = samples(a, b, t, lengths[k])
            r = LABEL_H / 2
            return min([_to_box(p, c, half) - r for p in pts for c in nodes] +
                       [_to_segment(p, s, e) - r for p in pts for j, s, e in segments if j != k] +
                       [hypot(p[0] - q[0], p[1] - q[1]) - 2 * r for p in pts for q in placed] + [1e9]) - GAP
        t = next((t for t in PLACES if clearance(t) >= 0), None)
        if t is None:
            t = max(PLACES, key=clearance)       # max keeps the first of equals: deterministic
        out[k] = t
        placed.extend(samples(a, b, t, lengths[k]))
    return out
