"""Files and the operating system: reading inputs, atomic writes, the config file.

Every byte kapplan reads or writes passes here; every problem in a file
becomes one located `KapplanError` (`located`). The edge may parse with
`kapplan.formats`; it never plans and never shows.
"""
