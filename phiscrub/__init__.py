"""phiscrub: find and redact protected health information in workplace photos.

The core (this package, minus `phiscrub.ui`) never imports Qt.
"""

__version__ = "0.1.0"
