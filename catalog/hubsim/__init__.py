"""A Hub-compatible HTTP server (listing, model info, faults) serving real Hub metadata on
127.0.0.1, the builder of the bundled demo snapshot, and ``catalog demo``.

Used by ``catalog demo`` and by the tests only, never by the product path. May import
``web`` and ``crawl`` (the demo runs the real crawler and serves the real app).
"""
