"""The service's routes, one ``APIRouter`` per group, in the order the OpenAPI schema lists them.

``extract`` (``POST /v1/extract``), ``jobs`` (``/v1/jobs``), ``evaluation`` (``POST
/v1/eval``), ``operations`` (``/healthz``, ``/readyz``, ``/metrics``).
"""

from extractor.service.routes import evaluation, extract, jobs, operations

ROUTERS = (extract.router, jobs.router, evaluation.router, operations.router)

__all__ = ["ROUTERS"]
