"""``catalog check``, ``bom`` and ``notices``: discovery of model references per file kind
(Python, notebooks, configs, shell, manifests), the check against the catalogue and a policy,
and the report formats (text, JSON, JUnit, markdown, SARIF, CycloneDX, notices).

May import facts, teams, compliance, licenses and db; never crawl, search or the faces.
"""
