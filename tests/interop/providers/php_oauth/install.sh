#!/bin/sh
# Install what the PHP interop provider needs (php with PECL's oauth extension: Debian's
# php-cli and php-oauth) when it is missing. Called by `make test`; safe to run again.
#
# With apt-get (as root, or through `sudo -n` when sudo needs no password) it installs the two
# packages non-interactively, running `apt-get update` only if the first attempt fails.
# Anywhere else it explains what is missing and exits 0: the interop fixture then skips the
# PHP provider's tests with that reason (and fails them under CI=true).

set -u

say() {
    echo "php_oauth: $*" >&2
}

has_oauth() {
    command -v php >/dev/null 2>&1 && php -m 2>/dev/null | grep -qix oauth
}

if has_oauth; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    say "php with the oauth extension is missing and apt-get is unavailable;" \
        "the PHP OAuthProvider interop tests will be skipped (install php and PECL oauth to run them)"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    say "php with the oauth extension is missing and installing needs root (no password-less sudo);" \
        "the PHP OAuthProvider interop tests will be skipped (run: apt-get install php-cli php-oauth)"
    exit 0
fi

apt_install() {
    # $as_root is empty or "sudo -n": split on purpose.
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends php-cli php-oauth >/dev/null 2>&1
}

say "installing php-cli and php-oauth with apt-get (once)..."
if ! apt_install; then
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1
    apt_install
fi

if has_oauth; then
    say "php $(php -r 'echo PHP_VERSION;') with oauth $(php -r 'echo phpversion("oauth");') installed"
else
    say "could not install php-cli and php-oauth with apt-get;" \
        "the PHP OAuthProvider interop tests will be skipped"
fi
exit 0
