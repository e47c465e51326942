"""LTI 1.3 Advantage, the tool side: partner LMSs launch courses and lessons, and get scores back.

``init_app`` is the one call the application factory makes; everything else lives in this package.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprint, the launch exemptions from CSRF, framing by registered platforms, the
    score sender that runs after a commit queued scores, and the profile's section on platform accounts."""
    from learn_habitat.accounts.routes import add_profile_section
    from learn_habitat.extensions import csrf
    from learn_habitat.lti import framing, outbox
    from learn_habitat.lti.routes import blueprint, launch, login, profile_section

    app.register_blueprint(blueprint)
    add_profile_section(app, "lti/_profile_section.html", profile_section)
    # The platform posts these from its own site: state, nonce and the signed id_token protect them instead.
    csrf.exempt(login)
    csrf.exempt(launch)
    framing.init_app(app)
    outbox.init_app(app)
