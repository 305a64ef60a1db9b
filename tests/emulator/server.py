#!/usr/bin/env python3
"""Start dmslink's AWS emulator (moto + extensions) on 127.0.0.1.

    python tests/emulator/server.py --port 0 --port-file PATH [--strict|--lenient]

See tests/emulator/README.md.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dmslink_emulator.serve import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
