"""Checking an autodiff solution: the writer's names (``naming``), the known misconceptions as perturbations of a step
(``perturb``) and the verdict on each statement (``judge``)."""
