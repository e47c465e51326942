"""learn-habitat: a learning site and course pipeline for sustainable urban development.

Importing this package stays light: the course pipeline (``learn_habitat.content``) must be usable
without Flask, so the application factory imports the web layer only when it is called.
"""


def create_app(config=None):
    """Build the Flask application; ``config`` is a mapping that overrides every other setting."""
    from learn_habitat.app import build_app

    return build_app(config)
