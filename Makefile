# The two commands in the README.
.PHONY: app test setup benchmark smoke lint screenshot

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

lint: setup
	.venv/bin/ruff check phiscrub tests benchmarks scripts

smoke: setup
	.venv/bin/python -m benchmarks.run --smoke

benchmark: setup
	.venv/bin/python -m benchmarks.run
