"""Endpoints for operators and load balancers.

``/healthz`` (liveness) says the process answers: restart the server only when it fails. ``/readyz``
(readiness) says this server can do its work: send it traffic only while it answers 200.
"""

from flask import Blueprint, jsonify

from learn_habitat.course_library import current_library
from learn_habitat.ops.services import check_readiness

blueprint = Blueprint("ops", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@blueprint.get("/healthz")
def healthz():
    """Answer at once, touching neither the database nor the courses: the process is up."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", **NO_STORE}


@blueprint.get("/readyz")
def readyz():
    """200 when the database answers, its schema is current and courses are loaded; else 503."""
    readiness = check_readiness(current_library())
    body = {"status": "ready" if readiness.ready else "not ready", "checks": readiness.checks}
    return jsonify(body), 200 if readiness.ready else 503, NO_STORE
