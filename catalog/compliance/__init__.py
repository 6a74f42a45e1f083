"""What a license obliges a model's user to do: the audit (findings with stable codes and
obligations; ``audit``), policies and their evaluation (``policy``) and policy files
(``policy_file``).

Pure knowledge: may import licenses only; no database.
"""
