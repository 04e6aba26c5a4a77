from .core import evaluate

__all__ = ["evaluate"]
