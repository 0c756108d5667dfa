# Entry points for contributors and CI. Every target bootstraps what it needs first:
#
#   make demo       serve the counter on http://127.0.0.1:8000 (FRAMEWORK=starlette by default;
#                   fastapi, flask, wsgi or tornado)
#   make test       lint, typecheck and the whole test matrix, as CI runs it (.ci/run)
#   make bench      run the benchmarks (nox -s bench)
#   make bootstrap  only set up the interpreters and tools
#
# Sessions, Python versions and the framework matrix are defined in noxfile.py; `nox --list` shows
# them and `nox -s NAME` runs one.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := test

PYTHON ?= python3
FRAMEWORK ?= starlette
NOX := $(PYTHON) -m nox
CORE_PYPROJECT := packages/client-session-core/pyproject.toml

.PHONY: bootstrap compiler demo test bench

# 1. pyenv: every pyenv-installed 3.X that core's classifiers list (every 3.X if core is not there
#    yet) joins `pyenv global`, after the versions already named there, so that python3.X answers
#    and python3 stays what it was. Nothing changes when they are all there already.
# 2. nox and uv, into $(PYTHON), if they are missing (the nox floor is noxfile.py's needs_version).
bootstrap:
	@if command -v pyenv >/dev/null; then
	    wanted=$$(grep -o 'Programming Language :: Python :: 3\.[0-9]*' $(CORE_PYPROJECT) 2>/dev/null \
	        | awk '{print $$NF}' || true)
	    [[ -n "$$wanted" ]] || wanted=$$(pyenv versions --bare | grep -oE '^3\.[0-9]+' | sort -uV)
	    current=$$(pyenv global | xargs)
	    add=""
	    for minor in $$wanted; do
	        latest=$$(pyenv versions --bare | grep -E "^$${minor//./\\.}\.[0-9]+$$" | sort -V | tail -n 1 || true)
	        if [[ -z "$$latest" ]]; then
	            echo "bootstrap: pyenv has no Python $$minor; nox will skip it"
	        elif [[ " $$current $$add " != *" $$latest "* ]]; then
	            add="$$add $$latest"
	        fi
	    done
	    if [[ -n "$$add" ]]; then
	        echo "bootstrap: pyenv global $$current$$add"
	        pyenv global $$current$$add
	    fi
	else
	    echo "bootstrap: pyenv not found; using the python3.X already on PATH"
	fi
	if ! $(PYTHON) -m nox --version >/dev/null 2>&1 || ! $(PYTHON) -m uv --version >/dev/null 2>&1; then
	    $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
	        "nox>=2026.10.20" "uv>=0.8"
	fi

# 3. For test and bench: the C compiler that builds the core compiled by mypyc (docs/compiled.md),
#    the one Python's sysconfig names; Debian's gcc is installed when it is missing and we are root.
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

demo: bootstrap
	$(NOX) -s demo -- $(FRAMEWORK)

test: bootstrap compiler
	$(NOX) -t checks tests

bench: bootstrap compiler
	$(NOX) -s bench
