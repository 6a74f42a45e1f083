"""The database: ORM tables (``tables``; ``HubModel`` is an ML model), the engine, sessions,
transactions and migrations (``engine``).

Imports nothing of catalog but ``config``, ``errors`` and ``resources``.
"""
