"""The web face: the app factory, HTML pages, account pages, the REST API and its schemas,
authentication, request dependencies and the one error shape.

May import every package below it (crawl, search, scan, facts, teams, compliance, licenses, db).
"""
