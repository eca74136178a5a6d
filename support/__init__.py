"""Test doubles shared by the test suite, the benchmarks and the scripts; not part of the package.

``support.endpoint``: an OpenAI-compatible stand-in server on loopback (``FakeEndpoint``),
scripted answers and faults, and ``FakeEndpointProcess``, the same server in a child process
supervised as the embedded model server is (``python -m support.endpoint`` serves one).
``support.browser``: Debian's Chromium driven by Playwright (headless, no sandbox), for the
review page's tests and screenshots. The wheel ships neither; nothing in ``extractor`` imports
them (an import contract).
"""
