"""The crawler: the Hub client (``hub``, the only importer of ``huggingface_hub``), parsing of
Hub items (``ingest``), writing pages (``store``), runs and resumption (``sync``), renames and
progress.

May import facts, teams, compliance, licenses and db; never search, scan or the faces.
"""
