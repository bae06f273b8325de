"""Checking CNN arithmetic: parameter counts and receptive fields (``judge``)."""
