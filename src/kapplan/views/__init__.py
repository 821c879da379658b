"""What people read: the agenda, month grids, the HTML handout, diffs, rules, settings, reports.

The only package that imports Rich, and only inside the views that print
with it, so the JSON and .ics paths never load it.
"""
