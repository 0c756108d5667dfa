"""The cookie fuzzer behind ``stress/fuzz.py``: real cookies, oracles, and two engines.

- :mod:`._corpus` seals the real cookies every run starts from (one key ring, fixed keys,
  a fixed clock), and the seed headers that carry them;
- :mod:`._oracle` judges one Cookie header: ``load`` must return, and a session that opens
  must be exactly one that was sealed, carried as the very same envelope;
- :mod:`._mutations` mutates every real cookie at every position, deterministically;
- :mod:`._legacy_corpus` builds each adapter's reader of its old framework's cookies
  (Starlette, Flask, Django, aiohttp-session, Tornado) and writes real ones with that
  framework's own code; :mod:`._legacy_mutations` mutates them, part by part;
  :mod:`._legacy_oracle` judges a value through the reader and through the codec;
- :mod:`._coverage` feeds the oracles from a coverage-guided fuzzer (atheris, in its own
  process: :mod:`._atheris_main`), or from hypothesis where atheris does not run;
- :mod:`._logs` keeps the code under test's log records of refused cookies off stderr.
"""
