#!/usr/bin/env bash
# Which Rust toolchain builds the wheel of one target; prints one word on stdout:
#   packaging/rust-target.sh TARGET      (x86_64-unknown-linux-gnu or aarch64-unknown-linux-gnu)
#   rustup  the rustc on PATH (rustup's) has TARGET's standard library, or `rustup target add`
#           has just added it;
#   debian  it has not and cannot get it, TARGET is aarch64-unknown-linux-gnu and this is a Debian
#           machine: Debian's rustc-web with its arm64 standard library builds it (the Makefile's
#           $(DEBIAN_RUST_AARCH64) rule installs them with apt);
#   and exits 1 (nothing printed) when neither can. Messages go to stderr. Never installs anything
#   but rustup's target.
set -uo pipefail
target=${1:?usage: packaging/rust-target.sh TARGET}

has_std() { # the standard library of TARGET, next to the rustc on PATH
	local libdir
	libdir=$(rustc --print target-libdir --target "$target" 2>/dev/null) &&
		compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

if command -v rustc >/dev/null 2>&1 && has_std; then
	echo rustup
	exit 0
fi
if command -v rustup >/dev/null 2>&1; then
	echo "rust-target.sh: rustup target add $target" >&2
	if rustup target add "$target" >&2 && has_std; then
		echo rustup
		exit 0
	fi
	echo "rust-target.sh: rustup cannot add $target" >&2
fi
if [ "$target" = aarch64-unknown-linux-gnu ] &&
	{ [ -d /usr/lib/rustlib/$target/lib ] || command -v apt-get >/dev/null 2>&1; }; then
	echo "rust-target.sh: $target is built with Debian's rustc-web" >&2
	echo debian
	exit 0
fi
echo "rust-target.sh: no Rust toolchain for $target: install rustup (https://rustup.rs)," \
	"then rustup target add $target" >&2
exit 1
