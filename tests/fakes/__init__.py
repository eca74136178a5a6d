"""Test doubles for the test suite and the benchmarks; not part of the package (the wheel ships none).

``tests.fakes.endpoint``: an OpenAI-compatible stand-in server on loopback (``FakeEndpoint``),
scripted answers and faults, and ``FakeEndpointProcess``, the same server in a child process
supervised as the embedded model server is. ``python -m tests.fakes.endpoint`` serves one.
"""
