#!/usr/bin/env bash
# Runs the aarch64 wheel and the arm64 layer under qemu-user, on an x86_64 machine:
#   packaging/check-aarch64.sh WHEEL LAYER_ZIP WORK_DIR PIP
# The sysroot is Debian's arm64 python3.11 and the libraries it and rust_core load, unpacked with
# `apt-get download` + `dpkg -x` (no root needed once the arm64 architecture is known to apt).
# boto3 (pure Python, pinned as in requirements-dev.txt) stands in for the Lambda runtime's own.
set -euo pipefail
wheel=$1 layer=$2 work=$3 pip=$4
root=$work/sysroot
packages=(libc6 libgcc-s1 zlib1g libexpat1 libssl3 python3.11-minimal libpython3.11-minimal
	libpython3.11-stdlib)

if [ ! -x "$root/usr/bin/python3.11" ]; then
	mkdir -p "$work/debs"
	(cd "$work/debs" && apt-get download -q "${packages[@]/%/:arm64}")
	for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done
fi
run() { # PYTHONPATH, code: the arm64 interpreter under qemu, from outside the clone
	(cd "$work" && PYTHONPATH=$1 qemu-aarch64-static -L "$root" "$root/usr/bin/python3.11" -c "$2")
}

rm -rf "$work/wheel" "$work/layer" && mkdir -p "$work/wheel" "$work/layer"
python3 -m zipfile -e "$wheel" "$work/wheel"
python3 -m zipfile -e "$layer" "$work/layer"
"$pip" install --quiet --upgrade --target "$work/runtime" --only-binary=:all: --platform any \
	--implementation py --python-version 3.11 \
	-r <(grep -E '^(boto3|botocore)==' requirements-dev.txt)
smoke=$(realpath packaging/parity_smoke.py)

# 1. The wheel alone: rust_core imports on aarch64 and agrees with boto3.
run "$work/wheel" 'import platform, rust_core
assert platform.machine() == "aarch64", platform.machine()
assert rust_core.__file__.startswith("'"$work/wheel/"'"), rust_core.__file__
print(platform.machine(), "wheel:", rust_core.json_to_item(b"{\"a\":1}"))'
(cd "$work" && PYTHONPATH="$work/wheel:$work/runtime" qemu-aarch64-static -L "$root" \
	"$root/usr/bin/python3.11" "$smoke")

# 2. The layer as Lambda mounts it (/opt/python before the runtime's boto3): Powertools' Tracer with
#    the X-Ray SDK around a rust_core call.
run "$work/layer/python:$work/runtime" 'import platform, rust_core
from aws_lambda_powertools import Tracer
tracer = Tracer(service="probe", disabled=True)
@tracer.capture_method
def convert(): return rust_core.json_to_item(b"{\"a\":1}")
assert rust_core.__file__.startswith("'"$work/layer/python/"'"), rust_core.__file__
print(platform.machine(), "layer:", convert())'
