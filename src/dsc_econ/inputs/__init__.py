"""Inputs wing: data in, validated.

Owns the parameter loader (:mod:`.parameters`: YAML files with unit, price year and
source, checked on load), named scenarios (:mod:`.scenarios`) and the tables a user fills
in for a new programme (:mod:`.programme`). Imports nothing from any other wing.
"""
