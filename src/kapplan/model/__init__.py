"""Frozen values, and the pure rules of what an input means: no I/O, no clock, no wording.

The schedule, therapist, rulebook and settings models (pydantic, for input);
the plan, its events and structured warnings; zones (the one zone reader),
clock hours, doses (a schedule's series expanded), limits.
"""
