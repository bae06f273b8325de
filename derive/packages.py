"""Packages named after their main function (``derive.autodiff``, ``derive.check``, ``derive.matrix``) can be called as
that function, so ``derive.check(text, problem)`` works however the package was imported -- ``import
derive.check.reference`` binds the package, not the function, to ``derive.check``."""
from __future__ import annotations

import sys
import types
from typing import Any, Callable

__all__ = ["callable_package"]


class _CallablePackage(types.ModuleType):
    __wrapped_function__: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped_function__(*args, **kwargs)


def callable_package(name: str, function: Callable[..., Any]) -> None:
    """Make the package ``name`` (already in sys.modules) call ``function`` when called."""
    module = sys.modules[name]
    module.__class__ = _CallablePackage
    module.__wrapped_function__ = function
