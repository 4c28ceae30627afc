"""Why the compiled module did not load, in words that say what to install instead.

Only imported when `import rust_core._rust_core` has failed, so it costs nothing at a normal cold
start. The most common broken Lambda layer is one built for the other architecture.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path

# ELF e_machine values (the header's bytes 18-19, little-endian on both architectures).
_MACHINES = {62: "x86_64", 183: "aarch64"}
_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}
_LAYERS = {"x86_64": "layer-x86_64.zip", "aarch64": "layer-arm64.zip"}


def explain(error: ImportError) -> str:
    here = Path(__file__).resolve().parent
    machine = platform.machine().lower()
    machine = _ALIASES.get(machine, machine)
    if sys.version_info < (3, 10):  # noqa: UP036 (a layer can be attached to an older runtime)
        found = ".".join(map(str, sys.version_info[:2]))
        return f"rust_core needs CPython 3.10 or newer; this is Python {found}."
    modules = sorted(here.glob("_rust_core*.so")) + sorted(here.glob("_rust_core*.pyd"))
    if not modules:
        return (
            f"rust_core's compiled module is missing from {here}: install the wheel built for "
            f"{machine} (make wheels), or build it in place with `maturin develop`."
        )
    built_for = _elf_machine(modules[0])
    if built_for is not None and built_for != machine:
        return (
            f"rust_core was built for {built_for} but this machine is {machine}: deploy "
            f"{_LAYERS.get(machine, 'the layer for ' + machine)} (make layer) or the {machine} "
            "wheel, or set the function's Architectures to match the layer."
        )
    glibc = re.search(r"GLIBC_([0-9.]+)", str(error))
    if glibc:
        have = platform.libc_ver()[1] or "an older one"
        return (
            f"rust_core needs glibc {glibc.group(1)} but this system has {have}: install the "
            "manylinux2014 wheel (make wheels), which needs only glibc 2.17."
        )
    return f"rust_core's compiled module ({modules[0].name}) could not be loaded: {error}"


def _elf_machine(path: Path) -> str | None:
    try:
        with path.open("rb") as module:
            header = module.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    return _MACHINES.get(int.from_bytes(header[18:20], "little"), f"machine {header[18]}")
