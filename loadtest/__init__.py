"""Load and fault tests: simulated learners against a real gunicorn, with a database outage on demand.

``python -m loadtest.run --help`` tells how to run them; see ``loadtest/README.md``.
"""
