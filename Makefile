# Two commands do all the set-up on a machine that has only Python:
#   make demo   builds .venv from uv.lock, starts the sandbox and opens the console
#   make test   builds .venv from uv.lock, then runs ruff, the import contract, mypy and the suite
PYTHON ?= python3
VENV   := .venv
UV     := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV     := $(VENV)-tools/bin/uv
endif
STAMP  := $(VENV)/.synced
UV_VERSION := 0.13.9
# Registries may sit behind a TLS-inspecting proxy whose CA is only in the system store:
# make uv trust the platform's certificates (UV_NATIVE_TLS is the older name).
export UV_SYSTEM_CERTS := true
export UV_NATIVE_TLS := true

.PHONY: demo test lint bench bench-quick sandbox screenshots clean bytecode node

$(VENV)-tools/bin/uv:
	$(PYTHON) -m venv $(VENV)-tools
	$(VENV)-tools/bin/pip install --quiet uv==$(UV_VERSION)

# Bytecode is compiled ahead: uv does not by default, and where PYTHONDONTWRITEBYTECODE is set
# every start compiled textual, botocore and ours from source again (0.5 s of the console's
# first frame). compileall only rewrites what changed.
$(STAMP): uv.lock pyproject.toml | $(UV)
	UV_PYTHON=$(PYTHON) $(UV) sync --frozen --all-groups --all-extras --compile-bytecode
	touch $(STAMP)

# The evaluator's differential test runs @cloud-copilot/iam-simulate under node: npm ci installs
# exactly what package-lock.json pins. No node or npm is an error, not a skipped test.
DIFFERENTIAL := iampolicy/tests/differential
NODE_STAMP   := $(DIFFERENTIAL)/node_modules/.installed

$(NODE_STAMP): $(DIFFERENTIAL)/package.json $(DIFFERENTIAL)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm not found: install Node.js 18+ (the iampolicy differential test needs it)" >&2; exit 1; }
	npm ci --prefix $(DIFFERENTIAL) --no-audit --no-fund
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

bytecode: $(STAMP)
	$(VENV)/bin/python -m compileall -q console widgets

demo: bytecode
	$(VENV)/bin/whodidthis demo

sandbox: $(STAMP)
	$(VENV)/bin/whodidthis sandbox

lint: bytecode
	$(VENV)/bin/ruff check console widgets tests bench standin iampolicy
	$(VENV)/bin/ruff format --check console widgets tests bench standin iampolicy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Four test processes on two cores: the suite mostly waits (injected latency, backoff, the
# processes it starts), 700-900 s of CPU in 565 s of wall time with four, 834 s with two.
test: lint $(NODE_STAMP)
	$(VENV)/bin/python -m pytest -n 4 -p no:cacheprovider

bench: bytecode
	$(VENV)/bin/python bench/run_all.py

bench-quick: bytecode
	$(VENV)/bin/python bench/run_all.py --quick

screenshots: $(STAMP)
	$(VENV)/bin/python -m console.devtools.screenshots screenshots

clean:
	rm -rf $(VENV) $(VENV)-tools $(DIFFERENTIAL)/node_modules
