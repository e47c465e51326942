"""A partner LMS for the tests, built from lti1p3platform (a platform implementation we did not write):
it initiates logins, signs id_tokens with its own key, and serves its JWKS, OAuth 2 token endpoint, an AGS
line item and an NRPS membership list from a small Flask app on 127.0.0.1. For a browser it also serves
course pages that frame the tool, and the authentication endpoint that auto-posts the id_token."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qsl, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, jsonify
from flask import request as flask_request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from markupsafe import Markup
from werkzeug.serving import make_server

CLIENT_ID = "learn-habitat-tool"
DEPLOYMENT_ID = "deployment-1"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def new_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_of(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, registration=None, **kwargs):
        self._registration = registration

    def get_registration_by_params(self, **kwargs):
        return self._registration


class FlaskishRequest(Request):
    def build_metadata(self, request):
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": request.args.to_dict(),
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
            "json": request.get_json(silent=True),
        }


class DictRequest(Request):
    def build_metadata(self, params):
        return {
            "method": "GET",
            "form_data": {},
            "get_data": params,
            "headers": {},
            "content_type": None,
            "path": "",
            "json": None,
        }


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data


class Grades(AssignmentsGradesService):
    def __init__(self, platform, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform

    def find_lineitems(self, **kwargs):
        return {"content": [self.find_lineitem("1")], "has_next": False}

    def find_lineitem(self, line_item_id):
        return {"id": self.platform.lineitem_url, "scoreMaximum": 100, "label": "Course"}

    def create_lineitem(self, creation_data):
        return creation_data

    def update_lineitem(self, update_data):
        return update_data

    def delete_lineitem(self, line_item_id):
        return None

    def update_score(self, line_item_id, score):
        from lti1p3platform.score import UpdateScoreStatus

        self.platform.scores.append(score)
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        latest = {}
        for score in self.platform.scores:
            latest[score["userId"]] = score
        results = [
            {
                "id": f"{self.platform.lineitem_url}/results/{user}",
                "userId": user,
                "resultScore": score["scoreGiven"],
                "resultMaximum": score["scoreMaximum"],
                "scoreOf": self.platform.lineitem_url,
            }
            for user, score in latest.items()
        ]
        return {"content": results, "has_next": False}


class Members(NamesRoleProvisioningService):
    def __init__(self, platform, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.platform = platform

    def get_member_data_page(self, **kwargs):
        return {"content": list(self.platform.members), "has_next": False}

    def get_context_by_id(self):
        return Context(id="course-101", label="URB101", title="Urban planning 101")


class Platform:
    """The platform: its registration of our tool, its keys and its HTTP endpoints on 127.0.0.1."""

    def __init__(self, tool_jwks: dict, tool_base: str = "http://localhost"):
        self.private_key = new_private_key()
        self.down = False
        self.scores: list[dict] = []
        self.members = [
            {"user_id": "teacher-1", "name": "Tess Teacher", "roles": [INSTRUCTOR]},
            {"user_id": "student-1", "name": "Sam Student", "roles": [LEARNER]},
            {"user_id": "student-2", "name": "Nia Newcomer", "roles": [LEARNER]},
        ]
        self.tool_jwks = tool_jwks
        self.links: dict[str, dict] = {}  # resource links shown to a browser, by their lti_message_hint
        self.app = self._build_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.issuer = self.base
        self.lineitem_url = f"{self.base}/lineitems/1"
        self.registration = self.make_registration(tool_base)

    def make_registration(
        self, tool_base, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID, private_key=None
    ):
        private_key = private_key or self.private_key
        return (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(client_id)
            .set_deployment_id(deployment_id)
            .set_oidc_login_url(f"{tool_base}/lti/login")
            .set_launch_url(f"{tool_base}/lti/launch")
            .set_deeplink_launch_url(f"{tool_base}/lti/launch")
            .set_platform_public_key(public_of(private_key))
            .set_platform_private_key(private_key)
            .set_tool_key_set(self.tool_jwks)
        )

    def close(self):
        self.server.shutdown()
        self.thread.join(5)

    def conf(self, registration=None):
        return PlatformConf(registration=registration or self.registration)

    # What the platform's admin gives the tool's admin.
    def settings(self) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "deployment_ids": [DEPLOYMENT_ID],
            "login_url": f"{self.base}/auth",
            "token_url": f"{self.base}/token",
            "jwks_url": f"{self.base}/jwks",
        }

    def login_initiation(self, user_id: str, hint: str = "resource-link-1", registration=None) -> str:
        """The URL the platform sends the browser to: the tool's login initiation (OIDC step 1)."""
        login = Login(None, self.conf(registration))
        login.set_lti_message_hint(hint=hint)
        return login.initiate_login(user_id)

    def authenticate(
        self,
        auth_request_url: str,
        user_id: str,
        roles,
        registration=None,
        deep_link=False,
        custom=None,
        claims=None,
        expiration=300,
        resource_link_id="resource-link-1",
    ) -> dict:
        """The platform's authentication endpoint answering the tool's redirect (OIDC step 3): the form
        fields (id_token, state) and the URL it posts them to."""
        params = dict(parse_qsl(urlsplit(auth_request_url).query))
        launch = Launch(DictRequest(params), self.conf(registration))
        launch.set_user_data(
            user_id,
            roles,
            full_name=(claims or {}).get("name", "Sam Student"),
            email_address=(claims or {}).get("email"),
        )
        launch.set_resource_link_claim(resource_link_id, title="Adequate housing")
        launch.set_launch_context_claim("course-101", context_title="Urban planning 101")
        launch.set_id_token_expiration(expiration)
        if custom is not None:
            launch.set_custom_parameters_claim(custom)
        launch.set_ags(f"{self.base}/lineitems", self.lineitem_url)
        launch.set_nrps(f"{self.base}/memberships")
        extra = {key: value for key, value in (claims or {}).items() if key not in ("name", "email")}
        if extra:
            launch.set_extra_claims(extra)
        if deep_link:
            launch.set_dl(f"{self.base}/deep-link-return", accept_types={"ltiResourceLink"})
        return launch.lti_launch()

    def course_page(self, user_id: str, custom: dict, roles=(LEARNER,)) -> str:
        """The URL of a course page on which ``user_id`` meets an activity framing the tool, launched with
        ``custom`` (the page's iframe posts the login initiation to the tool, as an LMS does)."""
        hint = f"resource-link-{len(self.links) + 1}"
        self.links[hint] = {"user_id": user_id, "roles": list(roles), "custom": dict(custom)}
        return f"{self.base}/course/{hint}"

    def _build_app(self):
        app = Flask("platform")
        platform = self

        @app.before_request
        def outage():
            if platform.down:
                return "down for maintenance", 503
            return None

        @app.get("/jwks")
        def jwks():
            return jsonify(platform.conf().get_jwks())

        @app.post("/token")
        def token():
            conf = platform.conf()
            conf.get_registration()
            return jsonify(conf.get_access_token(flask_request.form.to_dict()))

        def respond(response):
            return app.response_class(
                response=__import__("json").dumps(response.result) if response.result is not None else "",
                status=response.code,
                content_type=response.media_type,
            )

        @app.post("/lineitems/<item>/scores")
        def scores(item):
            service = Grades(
                platform,
                FlaskishRequest(flask_request),
                platform.conf(),
                f"{platform.base}/lineitems",
                platform.lineitem_url,
            )
            return respond(service.handle_resp(service.handle_update_score, line_item_id=item))

        @app.get("/lineitems/<item>/results")
        def results(item):
            service = Grades(
                platform,
                FlaskishRequest(flask_request),
                platform.conf(),
                f"{platform.base}/lineitems",
                platform.lineitem_url,
            )
            response = service.handle_resp(service.handle_get_results, line_item_id=item)
            if response.code == 200:  # the AGS result container is a JSON array (lti1p3platform sends a page)
                response.result = response.result["content"]
            return respond(response)

        @app.get("/course/<hint>")
        def course_page(hint):
            if hint not in platform.links:
                abort(404)
            return _html(
                "Urban planning 101",
                Markup(
                    '<iframe name="activity" title="learn-habitat" src="/course/{}/launch" '
                    'width="900" height="700"></iframe>'
                ).format(hint),
            )

        @app.get("/course/<hint>/launch")
        def frame_launch(hint):
            if hint not in platform.links:
                abort(404)
            initiation = platform.login_initiation(platform.links[hint]["user_id"], hint=hint)
            action, _, query = initiation.partition("?")
            return _autopost(action, dict(parse_qsl(query)))

        @app.get("/auth")
        def auth():
            # The authentication endpoint a browser reaches through the tool's redirect: it answers only
            # for a link it showed, to the user it showed it to, at the launch URL it registered.
            params = flask_request.args
            link = platform.links.get(params.get("lti_message_hint", ""))
            if link is None or params.get("login_hint") != link["user_id"]:
                abort(403)
            if params.get("redirect_uri") != platform.registration.get_launch_url():
                abort(400)
            form = platform.authenticate(
                flask_request.url,
                link["user_id"],
                link["roles"],
                custom=link["custom"],
                resource_link_id=params["lti_message_hint"],
            )
            return _autopost(form["launch_url"], {"id_token": form["id_token"], "state": form["state"]})

        @app.get("/embed")
        def embed():
            # Any page framed by the platform's origin, as an LMS page with an embedded block shows it.
            return _html(
                "Embedded",
                Markup('<iframe src="{}" width="900" height="700"></iframe>').format(
                    flask_request.args["src"]
                ),
            )

        @app.get("/memberships")
        def memberships():
            service = Members(
                platform, FlaskishRequest(flask_request), platform.conf(), f"{platform.base}/memberships"
            )
            return respond(service.handle_resp(service.handle_get_members))

        return app


def _html(title: str, body: Markup) -> str:
    return Markup(
        "<!doctype html><html><head><title>{}</title></head><body><h1>{}</h1>{}</body></html>"
    ).format(title, title, body)


def _autopost(action: str, fields: dict) -> str:
    """A page whose form posts ``fields`` to ``action`` as soon as it loads."""
    inputs = Markup("").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
        for name, value in fields.items()
    )
    return _html(
        "Launching",
        Markup(
            '<form id="autopost" method="post" action="{}">{}<button>Continue</button></form>'
            "<script>document.getElementById('autopost').submit();</script>"
        ).format(action, inputs),
    )


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
