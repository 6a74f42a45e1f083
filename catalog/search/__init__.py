"""Faceted search over the catalogue: parameters, the query planner, facets and their cache,
the search query itself and CSV export.

May import facts, teams, compliance, licenses and db; never crawl, scan or the faces.
"""
