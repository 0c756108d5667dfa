# Entry points for contributors and CI. Every target bootstraps what it needs first:
#
#   make demo       serve the counter on http://127.0.0.1:8000 (FRAMEWORK=starlette by default;
#                   fastapi, litestar, flask, wsgi, tornado, aiohttp or django; COOKIE_NAME=...
#                   names the cookie, the same for every server of a fleet of frameworks)
#   make test       lint, typecheck and the whole test matrix, as CI runs it (.ci/run)
#   make bench      run the benchmarks (nox -s bench)
#   make sessions   list nox's sessions, with the same interpreters visible as for `make test`
#   make bootstrap  only install the tools (nox and uv)
#
# Sessions, Python versions and the framework matrix are defined in noxfile.py. None of these
# targets changes your machine's Python settings (`pyenv global` and friends): with pyenv, the
# versions nox needs are named for nox's process only. To run one session by hand the same way:
#   PYENV_VERSION=$(make -s pythons) python3 -m nox -s NAME

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := test

PYTHON ?= python3
FRAMEWORK ?= starlette
COOKIE_NAME ?=
NOX := $(PYTHON) -m nox
CORE_PYPROJECT := packages/client-session-core/pyproject.toml

.PHONY: bootstrap compiler nginx redis pythons sessions demo test bench

# The interpreters nox runs on, for pyenv users, as PYENV_VERSION reads them (names joined by
# colons; the shims run the first named version that has the command): first the version pyenv
# runs now, so that python3 stays what it was, then the newest pyenv-installed 3.X for each 3.X
# that core's classifiers list (every 3.X if core is not there yet). Exported in the recipe's own
# shell only, so nox and its children see it and nothing else does: `pyenv global`, the version
# file and .python-version stay as they were. Without pyenv, nox finds python3.X on PATH.
define pyenv_versions
if command -v pyenv >/dev/null; then
    wanted=$$(grep -o 'Programming Language :: Python :: 3\.[0-9]*' $(CORE_PYPROJECT) 2>/dev/null \
        | awk '{print $$NF}' || true)
    [[ -n "$$wanted" ]] || wanted=$$(pyenv versions --bare | grep -oE '^3\.[0-9]+' | sort -uV)
    versions=$$(pyenv version-name 2>/dev/null || true)
    for minor in $$wanted; do
        latest=$$(pyenv versions --bare | grep -E "^$${minor//./\\.}\.[0-9]+$$" | sort -V | tail -n 1 || true)
        if [[ -z "$$latest" ]]; then
            echo "make: pyenv has no Python $$minor; nox will skip it" >&2
        elif [[ ":$$versions:" != *":$$latest:"* ]]; then
            versions="$${versions:+$$versions:}$$latest"
        fi
    done
    export PYENV_VERSION="$$versions"
fi
endef

# nox with ARGUMENTS, the interpreters above visible to it alone; the command is echoed.
define run_nox
$(pyenv_versions)
echo "$${PYENV_VERSION:+PYENV_VERSION=$$PYENV_VERSION }$(NOX) $(1)"
$(NOX) $(1)
endef

# nox and uv, into $(PYTHON), if they are missing (the nox floor is noxfile.py's needs_version).
bootstrap:
	@if ! $(PYTHON) -m nox --version >/dev/null 2>&1 || ! $(PYTHON) -m uv --version >/dev/null 2>&1; then
	    $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	        "nox>=2026.10.20" "uv>=0.8"
	fi

# The PYENV_VERSION value the targets below give nox (empty without pyenv).
pythons:
	@$(pyenv_versions)
	echo "$${PYENV_VERSION:-}"

# For test and bench: the C compiler that builds the core compiled by mypyc (docs/compiled.md),
# the one Python's sysconfig names; Debian's gcc is installed when it is missing and we are root.
compiler:
	@cc=$$($(PYTHON) -c 'import sysconfig; print((sysconfig.get_config_var("CC") or "cc").split()[0])')
	if ! command -v "$$cc" >/dev/null; then
	    if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then
	        echo "bootstrap: no C compiler ($$cc) for the compiled core: apt-get install gcc"
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev
	    else
	        echo "bootstrap: no C compiler ($$cc): install one (Debian: apt-get install gcc);" \
	            "the core is tested compiled by mypyc (docs/compiled.md)" >&2
	        exit 1
	    fi
	fi

# For test: Debian's nginx, which the fleet key-rotation test (conformance/tests/test_fleet.py)
# starts itself in front of several servers; installed when it is missing and we are root
# (without it, that test is skipped and says why).
nginx:
	@if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
	    if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then
	        echo "bootstrap: no nginx for the fleet rotation test: apt-get install nginx"
	        # RUNLEVEL=1: the package's scripts do not start the system's nginx service.
	        apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -qq --no-install-recommends nginx
	    else
	        echo "bootstrap: no nginx (Debian: apt-get install nginx); the fleet rotation" \
	            "test will be skipped"
	    fi
	fi

# For test and bench: Debian's redis-server, which the revocation tests (the core's
# tests/test_revocation_redis.py) and the benchmarks' Redis-backed competitors start themselves
# on 127.0.0.1; installed when it is missing and we are root. On CI the Redis tests fail
# without it; elsewhere they are skipped and say why.
redis:
	@if ! command -v redis-server >/dev/null; then
	    if [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then
	        echo "bootstrap: no redis-server for the revocation tests: apt-get install redis-server"
	        # RUNLEVEL=1: the package's scripts do not start the system's Redis service.
	        apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -qq --no-install-recommends redis-server
	    else
	        echo "bootstrap: no redis-server (Debian: apt-get install redis-server); the" \
	            "revocation tests against Redis will be skipped"
	    fi
	fi

sessions: bootstrap
	@$(call run_nox,--list)

demo: bootstrap
	@$(call run_nox,-s demo -- $(FRAMEWORK) $(if $(COOKIE_NAME),--cookie-name $(COOKIE_NAME)))

test: bootstrap compiler nginx redis
	@$(call run_nox,-t checks tests)

bench: bootstrap compiler redis
	@$(call run_nox,-s bench)
