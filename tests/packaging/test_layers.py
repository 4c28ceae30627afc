"""The Lambda layers `make layer` writes to dist/: layout, architecture, contents and size.

Skipped until the layers exist (`make layer` builds them, then runs this file), so that `make test`
never builds wheels.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

DIST = Path(__file__).resolve().parents[2] / "dist"
# e_machine of the ELF header, per layer name: EM_X86_64 and EM_AARCH64.
MACHINES = {"x86_64": 62, "arm64": 183}
# Provided by the Lambda Python runtime; a copy in the layer would shadow it.
RUNTIME_PACKAGES = {"boto3", "botocore", "s3transfer"}
MAX_UNZIPPED = 50 * 1024 * 1024


# Each architecture's two layers: rust_core with Powertools, and rust_core alone ("core").
LAYERS = [(kind, arch) for kind in ("layer", "layer-core") for arch in sorted(MACHINES)]


def open_layer(request: pytest.FixtureRequest, name: str) -> zipfile.ZipFile:
    path = DIST / f"{name}.zip"
    if not path.is_file():
        pytest.skip(f"{path.name} not built (make layer)")
    archive = zipfile.ZipFile(path)
    request.addfinalizer(archive.close)
    return archive


@pytest.fixture(params=LAYERS, ids=lambda layer: f"{layer[0]}-{layer[1]}")
def layer(request: pytest.FixtureRequest) -> tuple[str, zipfile.ZipFile]:
    kind, arch = request.param
    return arch, open_layer(request, f"{kind}-{arch}")


@pytest.fixture(params=sorted(MACHINES))
def full_layer(request: pytest.FixtureRequest) -> zipfile.ZipFile:
    return open_layer(request, f"layer-{request.param}")


@pytest.fixture(params=sorted(MACHINES))
def core_layer(request: pytest.FixtureRequest) -> zipfile.ZipFile:
    return open_layer(request, f"layer-core-{request.param}")


def test_everything_lives_under_python(layer: tuple[str, zipfile.ZipFile]) -> None:
    _, archive = layer
    names = archive.namelist()
    assert "python/rust_core/__init__.py" in names
    assert [n for n in names if not n.startswith("python/")] == []


def test_extension_matches_the_layer_architecture(layer: tuple[str, zipfile.ZipFile]) -> None:
    arch, archive = layer
    [so] = [
        n for n in archive.namelist() if n.startswith("python/rust_core/") and n.endswith(".so")
    ]
    assert so.endswith(".abi3.so")
    header = archive.read(so)[:20]
    # \x7fELF, 64-bit (EI_CLASS 2), little-endian (EI_DATA 1); e_machine is the u16 at offset 18.
    assert header[:6] == b"\x7fELF\x02\x01"
    assert int.from_bytes(header[18:20], "little") == MACHINES[arch]


def test_carries_powertools_and_xray_but_not_boto(full_layer: zipfile.ZipFile) -> None:
    top = {n.split("/")[1] for n in full_layer.namelist() if n.count("/") >= 2}
    assert {"aws_lambda_powertools", "aws_xray_sdk", "wrapt", "rust_core"} <= top
    assert top & RUNTIME_PACKAGES == set()
    assert [n for n in full_layer.namelist() if n.endswith((".pyc", ".exe"))] == []


def test_the_core_layer_carries_rust_core_alone(core_layer: zipfile.ZipFile) -> None:
    top = {n.split("/")[1] for n in core_layer.namelist() if n.count("/") >= 2}
    [metadata] = top - {"rust_core"}
    assert metadata.startswith("rust_core-") and metadata.endswith(".dist-info")
    assert [n for n in core_layer.namelist() if n.endswith((".pyc", ".exe"))] == []


def test_unzipped_size_is_under_50_mb(layer: tuple[str, zipfile.ZipFile]) -> None:
    _, archive = layer
    assert sum(info.file_size for info in archive.infolist()) < MAX_UNZIPPED


# Linux alone loads the manylinux module (an Intel Mac says x86_64 too).
@pytest.mark.skipif(
    sys.platform != "linux" or os.uname().machine != "x86_64",
    reason="runs the x86_64 layer natively, on Linux",
)
def test_x86_64_layer_imports_and_traces(tmp_path: Path) -> None:
    # GIVEN the layer unpacked as Lambda does (/opt/python on sys.path, boto3 from the runtime)
    path = DIST / "layer-x86_64.zip"
    if not path.is_file():
        pytest.skip(f"{path.name} not built (make layer)")
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path)
    probe = (
        "import rust_core, aws_lambda_powertools\n"
        "from aws_lambda_powertools import Tracer\n"
        "tracer = Tracer(service='probe', disabled=True)\n"
        "@tracer.capture_method\n"
        "def convert(): return rust_core.json_to_item(b'{\"a\": 1}')\n"
        "print(convert(), rust_core.__file__, aws_lambda_powertools.__file__)\n"
    )
    # WHEN it imports rust_core and Powertools' Tracer, from outside the clone
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "python")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    # THEN both come from the layer and the extension converts
    assert done.returncode == 0, done.stderr
    *words, core, powertools = done.stdout.split()
    item = " ".join(words)
    assert item == "{'a': {'N': '1'}}"
    assert core.startswith(str(tmp_path / "python"))
    assert powertools.startswith(str(tmp_path / "python"))
