"""``extractor serve``: the HTTP service, a front door over the public API (``Extractor``, ``ExtractorConfig``).

Nothing in the library imports this package; it needs the ``service`` extra
(``pip install 'extractor[service]'``: FastAPI, uvicorn, prometheus-client,
python-json-logger, asgi-correlation-id). The modules, outside in:

- ``cli``: the ``extractor serve`` command (options, the loopback rule, uvicorn);
- ``app``: the FastAPI application, its lifespan and middleware;
- ``routes``: one router per route group (``extract``, ``jobs``, ``evaluation``, ``operations``);
- ``deps``: what the routes share (the key dependency: auth, scopes, limits; request checks);
- ``state``: what the lifespan builds and the routes use (extractors, job store, limits, runner);
- ``auth``: API keys from ``EXTRACTOR_API_KEYS_FILE``, per-route scopes;
- ``limits``: per-key rate limit and token budget, the request body size limit;
- ``jobs``: the durable job store (SQLite) and the job runner;
- ``metrics``: Prometheus metrics; ``logs``: JSON logs with a request id;
- ``models``: the typed request and response bodies; ``settings``: the service's own settings.
"""
