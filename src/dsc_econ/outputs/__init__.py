"""Outputs wing: what a reader sees.

Owns the report's tables (:mod:`.tables`, :mod:`.context_tables`), the published
comparison targets (:mod:`.published`), the reproduction (:mod:`.reproduce`), figures
(:mod:`.figures`, matplotlib), the number formats the report uses (:mod:`.formatting`),
sensitivity tables (:mod:`.sensitivity_tables`), text fitted to the terminal
(:mod:`.terminal`) and the board report (:mod:`.report`, jinja2 and
Chromium). May import from inputs, model, sensitivity and records; never from cli.
Figures and the report load matplotlib and jinja2 only when first used.
"""
