"""Checking optimizer derivations: the seed's Adam problem (``adam``) and any optimizer of derive.optim (``family``,
judged by ``family_judge``)."""
