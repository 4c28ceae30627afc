"""Build one Lambda layer zip: `python/` with rust_core (from a wheel) and, unless `--core`, the
pure-Python packages of packaging/layer-requirements.txt (Powertools and its Tracer).

    python packaging/build_layer.py [--core] WHEEL OUT.zip

`--core`: rust_core alone, for functions that take Powertools from the AWS-managed layer.

The wheel is unpacked, not pip-installed, so that an aarch64 wheel can be laid out on x86_64. Zip
entries are sorted and dated 1980-01-01 so that the same inputs give the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent / "layer-requirements.txt"
# The Lambda Python runtime ships these; a copy in the layer would shadow the runtime's own.
FORBIDDEN = ("boto3", "botocore", "s3transfer")
# template.yaml's Runtime.
PYTHON_VERSION = "3.13"
EPOCH = (1980, 1, 1, 0, 0, 0)


def build(wheel: Path, out: Path, *, core: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "python"
        site.mkdir()
        if not core:
            install_requirements(site)
        with zipfile.ZipFile(wheel) as whl:
            whl.extractall(site)
        for cache in list(site.rglob("__pycache__")):
            shutil.rmtree(cache)
        shutil.rmtree(site / "bin", ignore_errors=True)
        present = [name for name in FORBIDDEN if (site / name).exists()]
        if present:
            sys.exit(f"layer must not carry {present}: the Lambda runtime provides them")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as layer:
            for path in sorted(Path(tmp).rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo(path.relative_to(tmp).as_posix(), EPOCH)
                    info.external_attr = (0o755 if path.suffix == ".so" else 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    layer.writestr(info, path.read_bytes(), compresslevel=9)


def install_requirements(site: Path) -> None:
    # Pure-Python wheels only (`--platform any`), whatever the layer's architecture, chosen for
    # template.yaml's runtime (Powertools 3.37 needs Python 3.10 or later).
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
         "--only-binary=:all:", "--platform", "any", "--implementation", "py",
         "--python-version", PYTHON_VERSION, "--target", str(site), "-r", str(REQUIREMENTS)],
        check=True,
    )  # fmt: skip


if __name__ == "__main__":
    args = sys.argv[1:]
    core = "--core" in args
    paths = [arg for arg in args if arg != "--core"]
    if len(paths) != 2 or len(args) != len(paths) + core:
        sys.exit(__doc__)
    build(Path(paths[0]), Path(paths[1]), core=core)
