"""Landmarks of real photographs of postures (and of people in no posture), from public repositories.

    python -m models.postures.real_data reserved --mirrors DIR   # hashes of the reserved evaluation sets
    python -m models.postures.real_data build --mirrors DIR      # landmarks of every usable photo

DIR holds bare git clones named `owner+name/repo` (e.g. `git clone --mirror URL DIR/owner+name/repo`).
Every image is read from the pinned commit in SOURCES, hashed (sha256 and a 64-bit perceptual hash)
and dropped when it matches a reserved photo (reserved_hashes.tsv: same sha256, or perceptual hashes
within photos.NEAR_DUPLICATE_BITS) or a photo already taken from an earlier source (the same photos
circulate in many copies; the first source listed keeps them). MediaPipe's pose landmarker then finds
the person (photos.PersonFinder, crops included). Written: sources.tsv (one row per photo used:
repository, commit, path, sha256, perceptual hash, licence, label) and real_landmarks.npz (landmarks,
labels, source repository, image aspect), both next to this file. No photograph is copied here.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from body.postures import NONE_LABEL
from models.postures.photos import NEAR_DUPLICATE_BITS, PersonFinder, decode, hamming, phash, sha256

HERE = Path(__file__).resolve().parent
RESERVED_FILE = HERE / "reserved_hashes.tsv"
SOURCES_FILE = HERE / "sources.tsv"
LANDMARKS_FILE = HERE / "real_landmarks.npz"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")

# Held out for an independent evaluation: never trained on, tuned on or selected with.
RESERVED: dict[str, str] = {
    "LucaPomer/YogaPoseDetection": "37588c2",
    "Manoj-2702/Yoga_Poses-Dataset": "2799e80",
}


# Photos of people in no posture that are only ever tested on, and the source groups held out in turn
# for the figures (models.postures.real_eval); copies of one collection form one group.
TEST_ONLY_REPOS = ("open-mmlab/mmpose", "CMU-Perceptual-Computing-Lab/openpose")
NIHARIKA_REPOS = ("FPT-ThaiTuan/Detect-Yoga-Poses-And-Correction-In-Real-Time-Using-Machine-Learning-Algorithms",
                  "siddharth4572/Yoga-pose-detection", "saahil1801/Yoga-Pose-Estimation-using-Transfer-Learning",
                  "mobatusi/yoga_pose_detection")
FOLDS: dict[str, tuple[str, ...]] = {"niharika-copies": NIHARIKA_REPOS, "sunita": ("Sunita-19/YogaPose",),
                                    "joshea": ("joshea628/Get-Your-Asana-Mat",)}


@dataclass(frozen=True)
class Source:
    repo: str
    commit: str
    licence: str
    include: str  # regular expression a path must match (search)
    labels: dict[str, str]  # folder name (lower case) -> posture name or "none"
    kind: str = "photo"  # "photo", or "render" for computer-generated people (kept apart in the figures)
    paths: tuple[str, ...] = ()  # when given, only these files (chosen by looking at them)


# Folder names of these collections -> posture names of body/postures.toml.
NIHARIKA = {"downdog": "downward_dog", "goddess": "goddess", "plank": "plank", "tree": "tree",
            "warrior2": "warrior_2", "warrior": "warrior_2"}
SOURCES: list[Source] = [
    Source("Sunita-19/YogaPose", "HEAD", "no licence stated", r"^classification model/yoga_poses/",
           {"traingle": "triangle", "shoudler_stand": "shoulder_stand", "no_pose": NONE_LABEL}),
    Source("FPT-ThaiTuan/Detect-Yoga-Poses-And-Correction-In-Real-Time-Using-Machine-Learning-Algorithms",
           "HEAD", "no licence stated", r"^DATASET/", NIHARIKA),
    Source("siddharth4572/Yoga-pose-detection", "HEAD", "see LICENCE in the repository", r"^data/", NIHARIKA),
    Source("saahil1801/Yoga-Pose-Estimation-using-Transfer-Learning", "HEAD", "no licence stated",
           r"^(YogaPoses|data)/", {k.lower(): v for k, v in NIHARIKA.items()}),
    Source("mobatusi/yoga_pose_detection", "HEAD", "no licence stated", r"^PoseDetection/(data|training|testing)/",
           NIHARIKA),
    # Web images collected from Reddit and image search (photos, a few drawings).
    Source("joshea628/Get-Your-Asana-Mat", "HEAD", "no licence stated", r"^data/(training|testing)/",
           {"mountain": "mountain", "halfmoon": "half_moon", "downdog": "downward_dog", "cow": "cow"}),
    # The TensorFlow pose-classification tutorial's yoga set: 3D-rendered people, not photographs.
    Source("Sunita-19/YogaPose", "HEAD", "no licence stated", r"^classification model/yoga_poses/",
           {"chair": "chair", "cobra": "cobra", "dog": "downward_dog", "tree": "tree", "warrior": "warrior_3"},
           kind="render"),
    # People in no posture (standing, walking, talking, sitting on chairs), picked one by one; sports,
    # floor exercises, faces only and drawings left out.
    Source("open-mmlab/mmpose", "HEAD", "Apache-2.0 repository; test images from COCO, AIC, CrowdPose, "
           "Human3.6M, MPII, OCHuman, Panoptic, JHMDB (their own terms)", r"^tests/data/",
           {"aic": NONE_LABEL, "coco": NONE_LABEL, "crowdpose": NONE_LABEL, "mpii": NONE_LABEL,
            "ochuman": NONE_LABEL, "panoptic": NONE_LABEL, "mhp": NONE_LABEL,
            "s1_directions_1.54138969": NONE_LABEL, "s7_greeting.55011271": NONE_LABEL,
            "s8_walkdog_1.55011271": NONE_LABEL, "frisbee_catch_f_cm_np1_ri_med_0": NONE_LABEL,
            "frisbee_catch_f_cm_np1_ri_med_1": NONE_LABEL},
           paths=("054d9ce9201beffc76e5ff2169d2af2f027002ca.jpg", "fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg",
                  "000000040083.jpg", "103319.jpg", "106848.jpg", "S1_Directions_1.54138969_000001.jpg",
                  "S7_Greeting.55011271_000396.jpg", "S8_WalkDog_1.55011271_000026.jpg", "004645041.jpg",
                  "005808361.jpg", "051423444.jpg", "052475643.jpg", "060754485.jpg", "000817.jpg",
                  "005880453_01_l.jpg", "ex2_2.flv_000040_l.jpg", "10112.jpg", "00001.png")),
    # More people in no posture, for training: the demo photos of two pose-estimation projects.
    Source("ildoonet/tf-pose-estimation", "HEAD", "Apache-2.0 repository; photos of its own choosing (their own "
           "terms)", r"^images/", {"images": NONE_LABEL},
           paths=("apink2.jpg", "apink3.jpg", "golf.jpg", "hand1.jpg", "hand2.jpg", "handsup1.jpg", "p1.jpg", "p2.jpg",
                  "p3.jpg", "p3_dance.png", "ski.jpg", "valid_person1.jpg")),
    Source("MVIG-SJTU/AlphaPose", "HEAD", "AlphaPose licence (non-commercial); demo photos", r"^examples/demo/",
           {"demo": NONE_LABEL}, paths=("1.jpg", "2.jpg", "3.jpg")),
    Source("CMU-Perceptual-Computing-Lab/openpose", "HEAD", "openpose academic non-commercial licence; "
           "images from COCO val2014 (Flickr, their own terms)", r"^examples/media/", {"media": NONE_LABEL},
           paths=tuple(f"COCO_val2014_000000000{n}.jpg" for n in
                       ("241", "257", "294", "328", "338", "395", "428", "459", "536", "569", "623"))),
]


def mirror_dir(mirrors: Path, repo: str) -> Path:
    """The git directory of a mirrored repository (a bare clone, or a clone's .git)."""
    d = Path(mirrors) / repo.replace("/", "+") / "repo"
    return d / ".git" if (d / ".git").is_dir() else d


def git(gdir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(gdir), *args], check=True, capture_output=True,
                          text=True).stdout


def resolve(gdir: Path, commit: str) -> str:
    return git(gdir, "rev-parse", f"{commit}^{{commit}}").strip()


def list_images(gdir: Path, commit: str) -> list[tuple[str, str]]:
    """(path, blob id) of every image file in a commit."""
    out = []
    for line in git(gdir, "ls-tree", "-r", "-z", commit).split("\0"):
        if not line:
            continue
        meta, path = line.split("\t", 1)
        _, kind, blob = meta.split()
        if kind == "blob" and path.lower().endswith(IMAGE_SUFFIXES):
            out.append((path, blob))
    return out


def read_blobs(gdir: Path, blobs: list[str]):
    """Yield the bytes of each blob, in order (one `git cat-file --batch` process)."""
    proc = subprocess.Popen(["git", "--git-dir", str(gdir), "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        for blob in blobs:
            proc.stdin.write(f"{blob}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3:
                yield b""
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            yield data
    finally:
        proc.stdin.close()
        proc.wait()


def label_of(source: Source, path: str) -> str | None:
    if not re.search(source.include, path) or (source.paths and path.split("/")[-1] not in source.paths):
        return None
    folders = [p.lower() for p in path.split("/")[:-1]]
    for folder in reversed(folders):
        if folder in source.labels:
            return source.labels[folder]
    return None


def load_reserved(path: Path = RESERVED_FILE) -> tuple[set[str], np.ndarray]:
    shas, hashes = set(), []
    if path.is_file():
        for line in path.read_text().splitlines()[1:]:
            cols = line.split("\t")
            if len(cols) >= 5:
                shas.add(cols[3])
                hashes.append(int(cols[4], 16))
    return shas, np.array(hashes, dtype=np.uint64)


def is_reserved(sha: str, ph: int, reserved: tuple[set[str], np.ndarray]) -> bool:
    shas, hashes = reserved
    return sha in shas or (len(hashes) > 0 and int(hamming(hashes, ph).min()) <= NEAR_DUPLICATE_BITS)


def cmd_reserved(mirrors: Path) -> int:
    rows = ["repository\tcommit\tpath\tsha256\tphash"]
    for repo, commit in RESERVED.items():
        gdir = mirror_dir(mirrors, repo)
        full = resolve(gdir, commit)
        images = list_images(gdir, full)
        for (path, _), data in zip(images, read_blobs(gdir, [b for _, b in images]), strict=True):
            rgb = decode(data)
            if rgb is None:
                continue
            rows.append(f"{repo}\t{full}\t{path}\t{sha256(data)}\t{phash(rgb):016x}")
        print(f"{repo}: {len(images)} images")
    RESERVED_FILE.write_text("\n".join(rows) + "\n")
    print(f"wrote {RESERVED_FILE} ({len(rows) - 1} photos)")
    return 0


def _landmarks_worker(args: tuple[list[bytes], int]) -> list[tuple[np.ndarray | None, float]]:
    datas, _ = args
    out = []
    with PersonFinder() as finder:
        for data in datas:
            rgb = decode(data)
            if rgb is None:
                out.append((None, 1.0))
                continue
            out.append((finder.find_person(rgb), rgb.shape[1] / rgb.shape[0]))
    return out


def cmd_build(mirrors: Path, workers: int = 2, limit: int = 0, append: bool = False,
              only: tuple[str, ...] = ()) -> int:
    reserved = load_reserved()
    if not reserved[0]:
        print(f"error: {RESERVED_FILE} is missing; run the `reserved` step first")
        return 2
    kept: list[dict] = []
    kept_hashes: list[int] = []
    kept_shas: set[str] = set()
    dropped = Counter()
    datas: list[bytes] = []
    done: set[tuple[str, str]] = set()
    old_rows: list[str] = []
    old = load_real() if append else None
    if old is not None:  # keep what is there; hash new sources against it
        old_rows = SOURCES_FILE.read_text().splitlines()[1:]
        for row in old_rows:
            cols = row.split("\t")
            kept_shas.add(cols[3])
            kept_hashes.append(int(cols[4], 16))
            done.add((cols[0], cols[7]))
    for source in SOURCES:
        if (source.repo, source.kind) in done or (only and source.repo not in only):
            continue
        gdir = mirror_dir(mirrors, source.repo)
        commit = resolve(gdir, source.commit)
        images = [(p, b, label_of(source, p)) for p, b in list_images(gdir, commit)]
        images = [x for x in images if x[2] is not None]
        if limit:
            images = images[:limit]
        n0 = len(kept)
        for (path, _, label), data in zip(images, read_blobs(gdir, [b for _, b, _ in images]), strict=True):
            rgb = decode(data)
            if rgb is None:
                dropped["not an image"] += 1
                continue
            sha, ph, flipped = sha256(data), phash(rgb), phash(rgb[:, ::-1])
            if is_reserved(sha, ph, reserved) or is_reserved("", flipped, reserved):
                dropped[f"reserved ({source.repo})"] += 1
                continue
            seen = np.array(kept_hashes, np.uint64)
            if sha in kept_shas or (len(seen) and min(int(hamming(seen, ph).min()),
                                                      int(hamming(seen, flipped).min())) <= NEAR_DUPLICATE_BITS):
                dropped[f"duplicate ({source.repo})"] += 1
                continue
            kept_shas.add(sha)
            kept_hashes.append(ph)
            kept.append({"repo": source.repo, "commit": commit, "path": path, "sha": sha, "phash": ph,
                         "licence": source.licence, "label": label, "kind": source.kind})
            datas.append(data)
        print(f"{source.repo}: {len(images)} labelled images, {len(kept) - n0} new", flush=True)
    print(f"dropped: {dict(dropped)}; running the landmarker on {len(kept)} photos", flush=True)
    start = time.perf_counter()
    chunks = [(datas[i:i + 200], i) for i in range(0, len(datas), 200)]
    if workers > 1:
        from multiprocessing import get_context

        with get_context("spawn").Pool(workers) as pool:
            parts = pool.map(_landmarks_worker, chunks)
    else:
        parts = [_landmarks_worker(c) for c in chunks]
    results = [r for part in parts for r in part]
    print(f"landmarks in {time.perf_counter() - start:.0f} s", flush=True)
    rows = ["repository\tcommit\tpath\tsha256\tphash\tlicence\tlabel\tkind", *old_rows]
    lms, labels, repos, aspects, kinds = [], [], [], [], []
    if old is not None:
        lms, labels, repos = list(old["landmarks"]), list(old["labels"]), list(old["repos"])
        aspects, kinds = list(old["aspects"]), list(old["kinds"])
    missed = 0
    for k, (lm, aspect) in zip(kept, results, strict=True):
        if lm is None:
            missed += 1
            continue
        rows.append(f"{k['repo']}\t{k['commit']}\t{k['path']}\t{k['sha']}\t{k['phash']:016x}\t{k['licence']}\t{k['label']}\t{k['kind']}")
        lms.append(lm)
        labels.append(k["label"])
        repos.append(k["repo"])
        aspects.append(aspect)
        kinds.append(k["kind"])
    SOURCES_FILE.write_text("\n".join(rows) + "\n")
    np.savez_compressed(LANDMARKS_FILE, landmarks=np.stack(lms).astype(np.float32), labels=np.array(labels),
                        repos=np.array(repos), kinds=np.array(kinds), aspects=np.array(aspects, np.float32),
                        sha256=np.array([r.split("\t")[3] for r in rows[1:]]))
    print(f"no person found in {missed}; wrote {len(lms)} to {LANDMARKS_FILE} and {SOURCES_FILE}")
    print(Counter(zip(repos, labels, strict=True)))
    return 0


def load_real(path: Path = LANDMARKS_FILE) -> dict[str, np.ndarray] | None:
    """The committed real landmarks (landmarks, labels, repos, aspects, sha256), or None when absent."""
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.postures.real_data", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("reserved", "build"))
    parser.add_argument("--mirrors", type=Path, default=Path(os.environ.get("SALA_MIRRORS", "mirrors")),
                        help="directory of bare git clones named owner+name/repo")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="at most this many images per source (a quick check)")
    parser.add_argument("--append", action="store_true", help="keep the photos already extracted; add new sources")
    parser.add_argument("--only", action="append", default=[], help="with --append: only this repository (repeatable)")
    args = parser.parse_args(argv)
    if args.step == "reserved":
        return cmd_reserved(args.mirrors)
    return cmd_build(args.mirrors, args.workers, args.limit, args.append, tuple(args.only))


if __name__ == "__main__":
    sys.exit(main())
