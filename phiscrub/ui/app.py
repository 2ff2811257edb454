"""`phiscrub-gui [PATH...]`: start the desktop app.

Qt is set up before anything imports OpenCV: opencv-python ships its own Qt
plugins and may point QT_QPA_PLATFORM_PLUGIN_PATH at them, which breaks PySide6's
xcb platform. So this module imports only PySide6 at the top and the window (which
pulls the core and cv2) after the QApplication exists.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

log = logging.getLogger(__name__)

#: Hidden option for the README screenshot and the xcb smoke test: save a PNG of
#: the window once the scan of everything opened finished, then quit.
SCREENSHOT_ENV = "PHISCRUB_SCREENSHOT"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="phiscrub-gui", description="Review and redact PHI in photos before posting them."
    )
    parser.add_argument("paths", nargs="*", help="photos or folders to open")
    parser.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    parser.add_argument("-v", "--verbose", action="store_true", help="log timings to stderr")
    # Qt options (-platform, -style ...) are left for QApplication.
    args, _qt_args = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    QCoreApplication.setOrganizationName("phiscrub")
    QCoreApplication.setApplicationName("phiscrub")
    app = QApplication([sys.argv[0], *argv])
    app.setApplicationDisplayName("phiscrub")

    from phiscrub.ui.gc_guard import GuiThreadGarbageCollector
    from phiscrub.ui.main_window import MainWindow  # imports the core (and cv2) now

    collector = GuiThreadGarbageCollector(app)  # before any worker thread starts

    window = MainWindow()
    _install_excepthook(window, QMessageBox)
    window.show()
    log.info("window shown %.2f s after start", time.perf_counter() - started)

    screenshot = args.screenshot or os.environ.get(SCREENSHOT_ENV)
    if screenshot:
        window.confirm_close = False

        def grab(*_args: object) -> None:
            # Let the regions, the list and the thumbnails paint first.
            QTimer.singleShot(600, lambda: (window.grab().save(screenshot), app.quit()))

        # Once the whole queue is scanned (one photo: once it is).
        window.batch_finished.connect(grab)
        window.error_shown.connect(lambda _m: QTimer.singleShot(600, app.quit))
        QTimer.singleShot(180_000, app.quit)  # never hang a headless run
    if args.paths:

        def open_given() -> None:
            window.open_paths(args.paths)
            if screenshot and not window.scanning():
                grab()  # every photo's review was restored from its project: nothing to scan

        QTimer.singleShot(0, open_given)
    code = app.exec()
    window.workers.shutdown(30_000)
    collector.stop()
    return code


def _install_excepthook(window, message_box) -> None:
    """An unexpected error in a slot reaches the user as a dialog, not a traceback
    on a console they never see; the message names only the error's type, because
    its text could quote something read from a photo."""

    def hook(exc_type, exc, tb) -> None:
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        message_box.critical(
            window,
            "Something went wrong",
            f"An unexpected error occurred ({exc_type.__name__}). "
            "Your originals are untouched; please report this.",
        )

    sys.excepthook = hook


if __name__ == "__main__":
    sys.exit(main())
