"""aec: the learned digit codec as a library (networks, integer tables, arithmetic
coder, file format, preprocessing, encoder search) and the ``aec`` command.

It imports nothing from ``training`` or ``converter``; they import it. Its
JavaScript twin is site/js/aec/ (the twin table: site/format.md, "Twins").
"""
