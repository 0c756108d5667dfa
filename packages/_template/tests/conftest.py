import sys
from pathlib import Path

# The harness module sits beside the tests until it moves to the conformance distribution.
sys.path.insert(0, str(Path(__file__).resolve().parent))
