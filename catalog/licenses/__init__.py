"""The license knowledge base (``data/licenses.yaml`` beside this package) and normalisation of
what a model declares into license ids.

Other packages import from here only; the work is split between ``kb`` (records and lookup),
``loader`` (reading and validating the data file) and ``normalise``. Pure knowledge: imports
nothing of catalog but ``errors`` and ``resources``.
"""

from catalog.licenses.kb import (
    CATEGORIES,
    CONTEXTS,
    OBLIGATION_KINDS,
    RESTRICTIVENESS,
    KnowledgeBase,
    License,
    Obligation,
    Verdict,
)
from catalog.licenses.loader import knowledge_base
from catalog.licenses.normalise import Resolution, resolve

__all__ = [
    "CATEGORIES",
    "CONTEXTS",
    "OBLIGATION_KINDS",
    "RESTRICTIVENESS",
    "KnowledgeBase",
    "License",
    "Obligation",
    "Resolution",
    "Verdict",
    "knowledge_base",
    "resolve",
]
