"""threadscope: a keyboard-first terminal browser for DashScope Assistant API threads."""

__version__ = "0.1.0"
