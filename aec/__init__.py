"""aec: the learned digit codec as a library (networks run by LiteRT, integer tables,
arithmetic coder, file format, preprocessing, encoder search), its Python API and the
``aec`` command.

    >>> import numpy as np, aec
    >>> data = aec.compress(np.zeros((28, 28), np.uint8))    # a blank digit
    >>> aec.decompress(data).shape
    (1, 28, 28)

It imports nothing from ``training`` or ``converter``; they import it. Its
JavaScript twin is site/js/aec/ (the twin table: site/format.md, "Twins").
"""

from aec.api import compress, decompress, quality_levels, read_digits, to_digit
from aec.errors import AecError

__version__ = "1.0.0"
__all__ = ["compress", "decompress", "quality_levels", "to_digit", "read_digits", "AecError", "__version__"]
