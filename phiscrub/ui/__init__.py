"""phiscrub's desktop app (PySide6), on top of the Qt-free core.

The core never imports this package; this package only calls the core.
"""
