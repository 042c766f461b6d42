"""``python -m dsc_econ.cli``: the same as ``dsc-econ``."""

import sys

from .main import main

sys.exit(main())
