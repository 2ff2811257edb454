# The two commands in the README.
.PHONY: app test setup benchmark smoke lint screenshot audit-sample check-caption

setup:
	@scripts/setup.sh

# Set up, then open the desktop app on the sample photos.
app: setup
	.venv/bin/phiscrub-gui sample_images

# The README's screenshot: the real app under Xvfb (xcb), saved once the scan is done.
# Kept lossless when it fits in 400 KB, else reduced to 256 colours.
screenshot: setup
	tmp=$$(mktemp -d) && PHISCRUB_SCREENSHOT=docs/screenshot.png PHISCRUB_CONFIG_DIR=$$tmp XDG_CONFIG_HOME=$$tmp \
		xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/phiscrub-gui sample_images/nurses_station.jpg
	.venv/bin/python -c "from PIL import Image; import os; p = 'docs/screenshot.png'; \
		im = Image.open(p).convert('RGB'); im.save(p, optimize=True, compress_level=9); \
		os.path.getsize(p) < 400_000 or im.quantize(256, method=Image.Quantize.FASTOCTREE).save(p, optimize=True)"

# Set up, then run the whole test suite.
test: setup
	.venv/bin/python -m pytest -q

# The compliance report for the sample photos: a trusted (unreviewed) export with
# verification, the report as JSON and as an HTML page with clean thumbnails
# (redact exits 1 when verification warns about a photo; the page names it).
audit-sample: setup
	.venv/bin/phiscrub redact sample_images --out clean/samples --trust-unreviewed \
		--reviewer "$${REVIEWER:-make audit-sample}" --verify \
		--report clean/samples/report.json --audit-html clean/samples/report.html || true
	@echo "open clean/samples/report.html"

# Check a caption before posting it: make check-caption CAPTION=caption.txt (or - for stdin).
check-caption: setup
	.venv/bin/phiscrub check-text $${CAPTION:--}

lint: setup
	.venv/bin/ruff check phiscrub tests benchmarks scripts

smoke: setup
	.venv/bin/python -m benchmarks.run --smoke

benchmark: setup
	.venv/bin/python -m benchmarks.run
