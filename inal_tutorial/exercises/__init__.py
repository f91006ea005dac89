"""Checker functions for the book's exercises, one module per chapter.

A checker returns a :class:`Feedback`: truthy when the answer is right, and
whose text tells a student what is wrong (not just "False"). In a notebook it
displays as that text.
"""

from ._feedback import Feedback, check_close, check_shape

__all__ = ["Feedback", "check_close", "check_shape"]
