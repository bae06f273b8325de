"""Reading a handwritten solution: ``document`` finds the statements and their sides, ``plain`` is the fast path for
simple sides, ``latex`` reads the rest through latex2sympy2_extended."""
