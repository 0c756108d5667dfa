"""The client-session benchmark suite: micro, in-process and over-the-wire measurements.

``benchmarks/run.py`` is the entry point; this package holds its parts, one idea a module:

- :mod:`sessionbench.timing`: timeit-style per-operation timing (median of repeats);
- :mod:`sessionbench.floor`: the hand-written json + AES-GCM + base64url floor;
- :mod:`sessionbench.micro`: seal + open of one session per encoding, in process;
- :mod:`sessionbench.variants`: the table of frameworks and session variants;
- :mod:`sessionbench.apps`: the counter app of every variant, for in-process calls and servers;
- :mod:`sessionbench.inprocess`: one request at a time through each app, no sockets;
- :mod:`sessionbench.servers`, :mod:`sessionbench.wrk`, :mod:`sessionbench.wire`: real servers
  on 127.0.0.1 driven by wrk;
- :mod:`sessionbench.report`: the markdown table, the figures and the target verdicts.
"""
