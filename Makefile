# Two entry points: `make demo` (main job on MiG-Synth) and `make test`.
# Both create .venv with python3.11 if missing and install everything.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: venv demo test benchmarks clean

PIN := -c constraints.txt

# setup.py states the tested ranges; constraints.txt pins this venv exactly.
$(STAMP): setup.py constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIN) "setuptools<80" wheel
	# torch first, by its exact pin: an unpinned torch pulls a CUDA build.
	$(BIN)/python -m pip install --quiet $(PIN) torch==2.13.0
	# A develop-mode install (setup.py develop): `mim train m2hen_mmaction`
	# finds configs/ and tools/ through m2hen_mmaction/.mim in this checkout.
	$(BIN)/python -m pip install --quiet $(PIN) --no-build-isolation \
		--no-use-pep517 -e ".[dev,extract]"
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	OMP_NUM_THREADS=2 $(BIN)/m2hen demo

test: venv
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest $(PYTEST_ARGS) tests

benchmarks: venv
	$(BIN)/python benchmarks/heatmaps.py
	$(BIN)/python benchmarks/backbones.py
	$(BIN)/python benchmarks/ehct.py
	$(BIN)/python benchmarks/xlsx.py
	$(BIN)/python benchmarks/train_throughput.py

clean:
	rm -rf work_dirs .pytest_cache
