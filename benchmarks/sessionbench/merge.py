"""One page from two runs: a new run's rows, and an earlier run's for what the new one did not
measure, each earlier row labelled with its run's date.

::

    python -m sessionbench.merge NEW.json EARLIER.json --out results/latest.json

A part of a framework (the wire, the session sizes, in process) comes from the new run when
it has rows of that framework in that part, else from the earlier run; the parts that are not
per framework (micro, Set-Cookie, breakdown) likewise, whole. The merged meta is the new
run's, with ``earlier`` (the earlier run's date, command, load and what it supplied), so the
page says which row comes from which run and each target measured on earlier rows says so.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from .results import RunResults, load_results, save_results

__all__ = ["merge"]

_PER_FRAMEWORK = ("wire", "scaling", "inprocess")
_WHOLE = ("micro", "set_cookie", "breakdown")


def _dated(row: Any, date: str) -> Any:
    label = getattr(row, "label", None)
    if isinstance(label, str) and "run of" not in label:
        return dataclasses.replace(row, label=f"{label} (run of {date})")
    return row


def merge(new: RunResults, earlier: RunResults) -> RunResults:
    """``new``, plus ``earlier``'s rows of the frameworks and parts ``new`` lacks."""
    date = str(earlier.meta["date"])
    supplied: dict[str, list[str]] = {}
    parts: dict[str, list[Any]] = {}
    for part in _PER_FRAMEWORK:
        rows = list(getattr(new, part))
        have = {row.framework for row in rows}
        for row in getattr(earlier, part):
            if row.framework not in have:
                rows.append(_dated(row, date))
                supplied.setdefault(part, [])
                if row.framework not in supplied[part]:
                    supplied[part].append(row.framework)
        parts[part] = rows
    for part in _WHOLE:
        rows = list(getattr(new, part))
        if not rows and getattr(earlier, part):
            rows = list(getattr(earlier, part))
            supplied[part] = ["all"]
        parts[part] = rows
    meta = dict(new.meta)
    settings = dict(meta["settings"])
    frameworks = list(settings.get("frameworks", []))
    settings["measured_frameworks"] = list(frameworks)
    for framework in earlier.frameworks:
        if framework not in frameworks:
            frameworks.append(framework)
    settings["frameworks"] = frameworks
    meta["settings"] = settings
    builds = list(meta.get("builds", []))
    builds += [b for b in earlier.builds if b not in builds]
    meta["builds"] = builds
    meta["earlier"] = {
        "date": date,
        "command": earlier.meta.get("command"),
        "load_before": earlier.meta.get("load_before"),
        "load_after": earlier.meta.get("load_after"),
        "packages": earlier.meta.get("machine", {}).get("packages", {}),
        "supplied": supplied,
    }
    return RunResults(
        meta=meta,
        micro=parts["micro"],
        inprocess=parts["inprocess"],
        wire=parts["wire"],
        scaling=parts["scaling"],
        set_cookie=parts["set_cookie"],
        breakdown=parts["breakdown"],
        command_rates=list(new.command_rates),
        notes=[*new.notes, *(f"earlier run ({date}): {note}" for note in earlier.notes)],
    )


def main() -> None:
    """Merge two results files."""
    parser = argparse.ArgumentParser(prog="python -m sessionbench.merge")
    parser.add_argument("new", type=Path)
    parser.add_argument("earlier", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    save_results(merge(load_results(args.new), load_results(args.earlier)), args.out)


if __name__ == "__main__":
    main()
