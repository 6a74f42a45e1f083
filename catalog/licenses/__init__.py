"""Public API of the license knowledge base and of license normalisation.

Other modules import from here only; the work is split between ``license_kb`` (records and
lookup), ``license_yaml`` (reading and validating the data file) and ``license_normalise``.
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
from catalog.licenses.normalise import Resolution, resolve
from catalog.licenses.loader import knowledge_base

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
