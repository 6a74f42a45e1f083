"""Users, teams, API tokens, the audit log (``accounts``) and team decisions on models
(``flags``).

May import compliance, licenses and db.
"""
