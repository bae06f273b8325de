"""The checker's report: findings per step (records; :mod:`derive.check.present` lays them out)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One judged step: where (source ``line``; ``step`` is ``lhs = side``), the verdict and why."""

    line: int
    step: str
    verdict: str
    expected: str = ""
    found: str = ""
    message: str = ""
    diagnosis: str = ""
    part: str = ""
    row: int = 0
    side: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """All findings for one solution; ``ok`` is False when a step is wrong."""

    findings: list[Finding] = field(default_factory=list)
    checked: int = 0                       # sides judged (ok, carried, note, wrong)
    skipped: list[tuple[int, str]] = field(default_factory=list)   # (line, reason) of statements not checked
    problem: str = ""
    source: str = ""
    problem_tex: str = ""                  # the problem as LaTeX (printed by derive), for the annotated document
    problem_errors: list[str] = field(default_factory=list)  # problems of a set that could not be read: not checked

    @property
    def ok(self) -> bool:
        return not self.errors()

    @property
    def verified(self) -> bool:
        """Something was checked, no step is wrong and nothing was left unverified."""
        return self.checked > 0 and not self.problem_errors and \
            not any(f.verdict in ("wrong", "unverifiable") for f in self.findings)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "wrong"]

    def count(self, verdict: str) -> int:
        return sum(1 for f in self.findings if f.verdict == verdict)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "verified": self.verified, "problem": self.problem, "checked": self.checked,
                "findings": [f.to_dict() for f in self.findings],
                "skipped": [{"line": ln, "reason": r} for ln, r in self.skipped],
                "problem_errors": list(self.problem_errors)}
