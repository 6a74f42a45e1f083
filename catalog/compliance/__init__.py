"""What a license obliges a model's user to do: the audit (findings and obligations; ``audit``,
its vocabulary of stable codes and model facts in ``findings``), policies and their evaluation
(``policy``) and policy files (``policy_file``).

Pure knowledge: may import licenses only; no database.
"""
