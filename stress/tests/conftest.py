"""The soak's and the fuzzer's packages import as their scripts import them: from stress/."""

import sys
from pathlib import Path

STRESS = str(Path(__file__).resolve().parent.parent)
if STRESS not in sys.path:
    sys.path.insert(0, STRESS)
