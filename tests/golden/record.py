"""Record the golden files: ``python -m tests.golden.record [NAME_PART ...]``.

Runs every case of :mod:`tests.golden.cases` (or those whose name contains one of the given
parts) on the code as it is, and writes ``tests/golden/data/<tracker>/<case>.calls.csv``,
``.rejected.csv`` and ``.summary.json`` (``.csv.gz`` for the long inputs). Files of cases that
no longer exist are removed when every case is recorded.

Re-record only when a behaviour change is intended, and name it in the commit.
"""

from __future__ import annotations

import sys

from .cases import CASES, DATA, golden_files, run


def main(argv: list[str]) -> int:
    chosen = [c for c in CASES if not argv or any(part in c.name for part in argv)]
    written = set()
    for case in chosen:
        got = run(case)
        for kind, path in case.files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            data = got.golden.get(kind)
            if data is None:  # the case raised: no CSVs
                path.unlink(missing_ok=True)
                continue
            path.write_bytes(data)
            written.add(path)
        error = " (raised)" if "calls" not in got.golden else ""
        sys.stdout.write(f"recorded {case.name}{error}\n")
    if not argv:
        for stale in sorted(golden_files() - written):
            stale.unlink()
            sys.stdout.write(f"removed {stale.relative_to(DATA)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
