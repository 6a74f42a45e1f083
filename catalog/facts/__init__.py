"""What the catalogue concludes about a stored model and how it is read back: derivation
(license resolution, lineage, findings; ``derive``) and the read side shared by every face
(model records, the model-id resolver, counts; ``queries``).

May import compliance, licenses and db.
"""
