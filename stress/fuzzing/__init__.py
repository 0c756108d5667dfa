"""The cookie fuzzer behind ``stress/fuzz.py``: real cookies, an oracle, and two engines.

- :mod:`._corpus` seals the real cookies every run starts from (one key ring, fixed keys,
  a fixed clock), and the seed headers that carry them;
- :mod:`._oracle` judges one Cookie header: ``load`` must return, and a session that opens
  must be exactly one that was sealed, carried as the very same envelope;
- :mod:`._mutations` mutates every real cookie at every position, deterministically;
- :mod:`._coverage` feeds the oracle from a coverage-guided fuzzer (atheris), or from
  hypothesis where atheris does not run.
"""
