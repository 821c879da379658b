"""kapplan: an integration calendar around a ketamine treatment course."""

__version__ = "0.1.0"
