"""One page from two runs: a new run's rows, and an earlier run's for what the new one did not
measure, each earlier row labelled with its run's date.

::

    python -m sessionbench.merge NEW.json EARLIER.json [OLDER.json...] --out results/latest.json

A part of a framework (the wire, the session sizes, in process) comes from the new run when
it has rows of that framework in that part, else from the earlier run; the parts that are not
per framework (micro, Set-Cookie, breakdown) likewise, whole. A core build the new run did
not measure (``--builds compiled``) keeps the earlier run's rows of that build. The merged
meta is the new run's, with ``earlier`` (the earlier run's date, command, load and what it
supplied), so the page says which row comes from which run and each target measured on
earlier rows says so.
With several earlier runs, each fills what the new run and the runs before it left.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from .results import RunResults, load_results, save_results

__all__ = ["merge"]

_PER_FRAMEWORK = ("wire", "scaling", "inprocess")
_WHOLE = ("micro", "set_cookie", "breakdown", "command_rates", "revocation_pairs")


def _dated(row: Any, date: str) -> Any:
    label = getattr(row, "label", None)
    if isinstance(label, str) and "run of" not in label:
        return dataclasses.replace(row, label=f"{label} (run of {date})")
    return row


def _build(row: Any) -> str | None:
    # The core build a row of ours ran on; None for the rows of other libraries.
    build = getattr(row, "core_build", None)
    return build if isinstance(build, str) else None


def merge(new: RunResults, *earlier_runs: RunResults) -> RunResults:
    """``new``, plus each earlier run's rows of the frameworks and parts the runs before it
    lack."""
    parts: dict[str, list[Any]] = {part: list(getattr(new, part)) for part in _PER_FRAMEWORK}
    parts |= {part: list(getattr(new, part)) for part in _WHOLE}
    meta = dict(new.meta)
    settings = dict(meta["settings"])
    frameworks = list(settings.get("frameworks", []))
    settings["measured_frameworks"] = list(frameworks)
    builds = list(meta.get("builds", []))
    sources, notes = [], list(new.notes)
    for earlier in earlier_runs:
        date = str(earlier.meta["date"])
        supplied: dict[str, list[str]] = {}
        for part in _PER_FRAMEWORK:
            have = {row.framework for row in parts[part]}
            have_builds = {(row.framework, _build(row)) for row in parts[part]}
            for row in getattr(earlier, part):
                # A framework the runs before lack, or one of its core builds they lack (a
                # run of the compiled core alone keeps the pure core's rows of the earlier).
                build = _build(row)
                if row.framework not in have or (
                    build is not None and (row.framework, build) not in have_builds
                ):
                    parts[part].append(_dated(row, date))
                    name = (
                        row.framework if row.framework not in have else f"{row.framework} ({build})"
                    )
                    names = supplied.setdefault(part, [])
                    if name not in names:
                        names.append(name)
        for part in _WHOLE:
            rows = getattr(earlier, part)
            if not parts[part] and rows:
                parts[part] = list(rows)
                supplied[part] = ["all"]
                continue
            builds_had = {_build(row) for row in parts[part]}
            missing = [row for row in rows if _build(row) not in builds_had | {None}]
            if missing:
                parts[part] += [_dated(row, date) for row in missing]
                supplied[part] = sorted({f"{_build(row)} core" for row in missing})
        if not supplied:
            continue
        frameworks += [f for f in earlier.frameworks if f not in frameworks]
        builds += [b for b in earlier.builds if b not in builds]
        sources.append(
            {
                "date": date,
                "sources": earlier.meta.get("sources"),
                "command": earlier.meta.get("command"),
                "load_before": earlier.meta.get("load_before"),
                "load_after": earlier.meta.get("load_after"),
                "packages": earlier.meta.get("machine", {}).get("packages", {}),
                "supplied": supplied,
            }
        )
        notes += [f"earlier run ({date}): {note}" for note in earlier.notes]
    settings["frameworks"] = frameworks
    meta["settings"] = settings
    meta["builds"] = builds
    meta["earlier"] = sources
    return RunResults(
        meta=meta,
        micro=parts["micro"],
        inprocess=parts["inprocess"],
        wire=parts["wire"],
        scaling=parts["scaling"],
        set_cookie=parts["set_cookie"],
        breakdown=parts["breakdown"],
        command_rates=parts["command_rates"],
        revocation_pairs=parts["revocation_pairs"],
        notes=notes,
    )


def main() -> None:
    """Merge two results files."""
    parser = argparse.ArgumentParser(prog="python -m sessionbench.merge")
    parser.add_argument("new", type=Path)
    parser.add_argument("earlier", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    earlier = [load_results(path) for path in args.earlier]
    save_results(merge(load_results(args.new), *earlier), args.out)


if __name__ == "__main__":
    main()
