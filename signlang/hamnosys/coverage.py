"""Coverage of the grammar on a JSON-lines lexicon: how many transcriptions parse, failures grouped by rule."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signlang.hamnosys import HamNoSysError, parse
from signlang.symbols import BY_NAME


@dataclass
class CoverageReport:
    total: int = 0
    parsed: int = 0
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def rate(self) -> float:
        return self.parsed / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "parsed": self.parsed,
            "failed": self.total - self.parsed,
            "rate": round(self.rate, 5),
            "groups": [
                {"cause": cause, "count": len(items), "examples": items[:5]}
                for cause, items in sorted(self.groups.items(), key=lambda kv: -len(kv[1]))
            ],
        }

    def text(self) -> str:
        lines = [f"parsed {self.parsed}/{self.total} ({100 * self.rate:.2f}%)"]
        for group in self.to_json()["groups"]:
            lines.append(f"{group['count']:5d}  {group['cause']}")
            for ex in group["examples"][:2]:
                lines.append(f"         e.g. {ex['id']} {ex['gloss']}: {ex.get('previous', '')} {ex['symbol']} "
                             f"at symbol {ex['position']}")
        return "\n".join(lines)


def transcription(entry: dict[str, Any]) -> str:
    """The characters are the truth; the names only where the characters are missing."""
    return entry.get("hamnosys") or entry.get("hamnosys_text") or ""


def _kind(name: str) -> str:
    sym = BY_NAME.get(name)
    if sym is None:
        return name
    category = sym.category.lower()
    return {"other symbols": name, "regular unicode characters": name}.get(category, category)


def failure_cause(err: HamNoSysError) -> str:
    """The rule broken, by the classes of the symbols involved, e.g.
    "location: handshape modifiers after location" (so the same fault in many entries is one group)."""
    if err.symbol == "<end>":
        closing = next((e for e in err.expected if "closing" in e), None)
        if closing:
            return f"{err.rule}: the sign ends before {closing}"
        return f"{err.rule}: the sign ends where {err.expected[0] if err.expected else 'more'} is required"
    if err.rule in ("symbol name", "character", "sigml", "input"):
        return f"{err.rule}: not a HamNoSys symbol"
    where = f"after {_kind(err.previous)}" if err.previous else "at the start"
    return f"{err.rule}: {_kind(err.symbol)} {where}"


def coverage(path: str | Path) -> CoverageReport:
    report = CoverageReport()
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            report.total += 1
            try:
                entry = json.loads(line)
                text = transcription(entry)
            except (ValueError, AttributeError) as exc:
                report.groups["[input] not a JSON object with hamnosys"].append(
                    {"id": f"line {line_no}", "gloss": "", "message": str(exc)}
                )
                continue
            try:
                parse(text)
                report.parsed += 1
            except HamNoSysError as err:
                report.groups[failure_cause(err)].append(
                    {"id": str(entry.get("id", line_no)), "gloss": str(entry.get("gloss", "")),
                     "position": err.position, "symbol": err.symbol, "previous": err.previous,
                     "message": str(err)}
                )
    return report
