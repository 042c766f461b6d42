"""Inputs wing: data in, validated.

Owns the parameter loader (:mod:`.parameters`: YAML files with unit, price year and
source, checked on load), citations (:mod:`.citations`) and names (:mod:`.names`) of
the parameters, named scenarios (:mod:`.scenarios`), benefit streams outside the
pathway tree (:mod:`.streams`), the tables a user fills in for a new programme
(:mod:`.programme`), reading a user's CSV (:mod:`.user_csv`) and safe names and writes
(:mod:`.safety`). Imports nothing from any other wing.
"""
