#!/usr/bin/env bash
# The Debian packages `make test` and `make demo` need, checked before anything long starts.
#
#   bash scripts/system-packages.sh test|demo
#
# As root, a missing package is installed with apt-get (one `apt-get update`, no questions asked).
# Otherwise the script stops with the exact `sudo apt-get install -y …` line to run, and exits 1.
# Shell builtins do the checking (and python3 for `python3:` rows), so it runs with any PATH.
set -euo pipefail

# One row per package: the package, what shows it is there (a program, also looked up in /usr/sbin
# and /sbin; an absolute file path; or `python3:MODULE`, a module python3 must import), and the
# commands that need it. Later needs add rows here.
PACKAGES=(
    "bubblewrap       bwrap                               test"       # the kustomize build sandbox
    "git              git                                 test demo"  # git sources, the demo's git server
    "openssh-client   ssh                                 test"       # git over ssh
    "openssh-server   sshd                                test"       # the tests' ssh git server
    "gnupg            gpg                                 test"       # OpenPGP keys: signatures, SOPS
    "ca-certificates  /etc/ssl/certs/ca-certificates.crt  test demo"  # TLS to the Go module proxy
    "util-linux       setpriv                             test"       # tests that drop privileges
    "python3-venv     python3:ensurepip                   test demo"  # `python3 -m venv` for .venv
    "docker-registry  docker-registry                     test"       # the tests' OCI registry
    "chromium         chromium                            test"       # the web UI's browser tests
    "chromium-driver  chromedriver                        test"       # Selenium drives chromium through it
)

purpose=${1:-}
if [[ $purpose != test && $purpose != demo ]]; then
    echo "usage: $0 test|demo" >&2
    exit 2
fi

present() {
    if [[ $1 == python3:* ]]; then
        python3 -c "import ${1#python3:}" 2>/dev/null
    elif [[ $1 == /* ]]; then
        [[ -e $1 ]]
    else
        PATH="$PATH:/usr/sbin:/sbin" type -P "$1" >/dev/null
    fi
}

missing() {
    local package marker needed_by
    for row in "${PACKAGES[@]}"; do
        read -r package marker needed_by <<<"$row"
        if [[ " $needed_by " == *" $purpose "* ]] && ! present "$marker"; then
            printf '%s ' "$package"
        fi
    done
}

absent=$(missing)
absent=${absent% }
[[ -z $absent ]] && exit 0

if [[ $EUID -ne 0 ]]; then
    echo "\`make $purpose\` needs Debian packages that are not installed: $absent" >&2
    echo "install them, then run \`make $purpose\` again:" >&2
    echo "" >&2
    echo "    sudo apt-get install -y $absent" >&2
    exit 1
fi

if ! type -P apt-get >/dev/null; then
    echo "\`make $purpose\` needs these Debian packages, and apt-get is not here to install them: $absent" >&2
    exit 1
fi
echo "installing the Debian packages \`make $purpose\` needs: $absent"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086  # one word per package
apt-get install -y -qq --no-install-recommends $absent >/dev/null

still=$(missing)
if [[ -n $still ]]; then
    echo "apt-get installed ${absent}, but these are still missing: ${still% }" >&2
    exit 1
fi
