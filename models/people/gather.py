"""Gather the group photos of the people evaluation set from git copies of their source repositories.

The photos are not committed: their licences (photographers' rights, a non-commercial repository
licence) do not clearly allow redistribution here. models/people/photos/manifest.tsv names each one as
`owner/name@commit:path`; this script copies each from a local git copy of that repository (bare or
with a work tree, found as DIR/owner+name, DIR/owner+name/repo or DIR/owner/name) at that commit,
and checks nothing else.

    python -m models.people.gather --from DIR [--out models/people/photos]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHOTOS = HERE / "photos"


def read_manifest(folder: Path) -> list[dict[str, str]]:
    with open(folder / "manifest.tsv", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def parse_source(source: str) -> tuple[str, str, str]:
    """`owner/name@commit:path` -> (owner/name, commit, path)."""
    repo, _, rest = source.partition("@")
    commit, _, path = rest.partition(":")
    if not (repo and commit and path):
        raise ValueError(f"source {source!r} is not owner/name@commit:path")
    return repo, commit, path


def git_dir(root: Path, repo: str) -> Path | None:
    flat = repo.replace("/", "+")
    for cand in (root / flat / "repo", root / flat, root / repo, root / flat / ".git", root / repo / ".git"):
        if (cand / "objects").is_dir() or (cand / "HEAD").is_file():
            return cand
    return None


def gather(root: Path, out: Path = PHOTOS) -> tuple[int, list[str]]:
    """Copy every photo of the manifest in `out` that `root` has; returns (copied, problems)."""
    copied, problems = 0, []
    for row in read_manifest(out):
        repo, commit, path = parse_source(row["source"])
        gdir = git_dir(root, repo)
        if gdir is None:
            problems.append(f"{row['file']}: no git copy of {repo} under {root}")
            continue
        res = subprocess.run(["git", "--git-dir", str(gdir), "show", f"{commit}:{path}"], capture_output=True)
        if res.returncode != 0:
            problems.append(f"{row['file']}: {repo} has no {path} at {commit[:10]}")
            continue
        (out / row["file"]).write_bytes(res.stdout)
        copied += 1
    return copied, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="root", type=Path, required=True, help="folder holding the git copies")
    ap.add_argument("--out", type=Path, default=PHOTOS, help="the set's folder (holds manifest.tsv)")
    args = ap.parse_args(argv)
    copied, problems = gather(args.root, args.out)
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{copied} photos in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
