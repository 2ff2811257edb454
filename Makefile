# The two commands in the README.
.PHONY: app test setup benchmark smoke lint

setup:
	@scripts/setup.sh

# Set up, then open phiscrub on the sample photos (until the desktop app lands,
# this scans and redacts them with the CLI into out/sample_clean).
app: setup
	.venv/bin/phiscrub redact sample_images --out out/sample_clean --report out/sample_report.json

# Set up, then run the whole test suite.
test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check phiscrub tests benchmarks scripts

smoke: setup
	.venv/bin/python -m benchmarks.run --smoke

benchmark: setup
	.venv/bin/python -m benchmarks.run
