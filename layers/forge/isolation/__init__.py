"""Running untrusted tools (php, phpunit, the plugin itself) with no network and bounded resources."""

from forge.isolation.runner import Completed, Limits, Runner

__all__ = ["Completed", "Limits", "Runner"]
