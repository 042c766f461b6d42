"""CLI wing: the ``dsc-econ`` command. Parses, calls the library, prints.

One module per verb group (:mod:`.reproduce`, :mod:`.appraise`, :mod:`.catalogue` for
parameters / scenarios / tables, :mod:`.sensitivity`, :mod:`.report`, :mod:`.records`,
:mod:`.cashflow`)
and the entry point :mod:`.main`. Heavy stacks are imported inside the verbs, so
``dsc-econ --help`` costs little more than numpy, pandas and xarray. May import from
every other wing; nothing imports it.
"""
