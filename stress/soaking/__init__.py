"""The soak behind ``stress/soak.py``: one adapter served in a process of its own, mixed
load from client threads, and that process's memory and file descriptors sampled.

- :mod:`._server` is the server process: it serves the route contract through an
  installed conformance harness, and obeys commands on stdin (serve with a key ring,
  stop a server, move the clock);
- :mod:`._control` starts and commands that process, and samples it;
- :mod:`._load` is the simulated users and what each response must be;
- :mod:`._redis` is the redis-server of a soak with revocations, and its samples;
- :mod:`._report` judges the samples flat (and the store bounded) or not, and draws them.
"""
