"""pylti1p3 wired to our database: registrations from ``lti_platform``, launch data in ``lti_launch_value``,
nonces used once, id_token checks stricter than the library's defaults (audience, azp, exp and iat), and a
partitioned state cookie over https.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfAbstract
from sqlalchemy import delete, select

from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.lti.keys import ToolKey
from learn_habitat.lti.models import LtiDeployment, LtiLaunchValue, LtiPlatform

# A validated launch is kept this long, for the pages a launch leads to (the deep linking choice).
LAUNCH_DATA_LIFETIME = 60 * 60
# Clock difference tolerated between the platform and us when checking exp and iat.
CLOCK_SKEW = timedelta(seconds=60)


def find_platform(issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The registration for (issuer, client id); without a client id, the issuer's only registration."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == str(issuer or ""))
    if client_id:
        return db.session.scalar(query.where(LtiPlatform.client_id == str(client_id)))
    platforms = db.session.scalars(query.limit(2)).all()
    return platforms[0] if len(platforms) == 1 else None


def registration_for(platform: LtiPlatform, key: ToolKey) -> Registration:
    """pylti1p3's view of a registration, signing with the tool's current key."""
    return (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.login_url)
        .set_auth_token_url(platform.token_url)
        .set_key_set_url(platform.jwks_url)
        .set_tool_private_key(key.private_pem)
        .set_tool_public_key(key.public_pem)
    )


class DatabaseToolConf(ToolConfAbstract):
    """Registrations and deployments read from the database; every issuer may have several client ids."""

    def __init__(self, key: ToolKey):
        self._key = key

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        return registration_for(platform, self._key) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = find_platform(iss, client_id)
        if platform is None:
            return None
        found = db.session.scalar(
            select(LtiDeployment.id).where(
                LtiDeployment.platform_id == platform.id, LtiDeployment.deployment_id == str(deployment_id)
            )
        )
        return Deployment().set_deployment_id(deployment_id) if found else None


class DatabaseLaunchDataStorage(LaunchDataStorage):
    """Launch data in the database, so it survives across workers and needs no cookie session (which a
    framed launch may not get back). The browser is bound by pylti1p3's state cookie instead."""

    _session_cookie_name = ""

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key):
        row = db.session.get(LtiLaunchValue, self._prepare_key(key))
        return row.value if row is not None and row.expires_at > utcnow() else None

    def set_value(self, key, value, exp=None):
        now = utcnow()
        db.session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.expires_at < now))
        expires_at = now + timedelta(seconds=exp or LAUNCH_DATA_LIFETIME)
        db.session.merge(LtiLaunchValue(key=self._prepare_key(key), value=value, expires_at=expires_at))
        db.session.flush()

    def check_value(self, key) -> bool:
        return self.get_value(key) is not None

    def take_value(self, key) -> bool:
        """Delete the key if it is there and alive; true only for the one caller that deleted it."""
        result = db.session.execute(
            delete(LtiLaunchValue).where(
                LtiLaunchValue.key == self._prepare_key(key), LtiLaunchValue.expires_at > utcnow()
            )
        )
        return result.rowcount == 1


class OneTimeNonceSessionService(SessionService):
    """pylti1p3 only checks that a nonce was issued; here a nonce is spent by the launch that uses it,
    so a replayed id_token is refused."""

    def check_nonce(self, nonce: str) -> bool:
        return self.data_storage.take_value(self._get_key("nonce", nonce))


class PartitionedStateCookieService(FlaskCookieService):
    """pylti1p3's cookies (the login's state), also Partitioned over https. A browser that blocks
    third-party cookies still keeps a partitioned one set inside the platform's frame, and sends it back
    to frames under the same top-level site: the launch posted to the same frame. Over plain http it is
    the library's cookie (neither Secure nor SameSite=None, so never partitioned)."""

    def update_response(self, response):
        secure = bool(self._request.is_secure())
        for name, cookie in self._cookie_data_to_set.items():
            response.set_cookie(
                name,
                cookie["value"],
                max_age=cookie["exp"],
                path="/",
                httponly=True,
                secure=secure,
                samesite="None" if secure else None,
                partitioned=secure,
            )


class ToolMessageLaunch(FlaskMessageLaunch):
    """A launch whose id_token must name us as audience (and azp when several), carry exp and iat, and be
    signed by a key from the platform's JWKS."""

    def validate_jwt_signature(self):
        public_key, algorithm = self.get_public_key()
        client_id = self._registration.get_client_id()
        try:
            body = jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[algorithm],
                audience=client_id,
                issuer=self._registration.get_issuer(),
                leeway=CLOCK_SKEW,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise LtiException(f"Can't decode id_token: {error}") from error
        if isinstance(body["aud"], list) and len(body["aud"]) > 1 and body.get("azp") != client_id:
            raise LtiException("azp does not name this tool")
        if body["iat"] > (utcnow() + CLOCK_SKEW).timestamp():
            raise LtiException("id_token issued in the future")
        return self


def _services(request):
    storage = DatabaseLaunchDataStorage()
    session = OneTimeNonceSessionService(request)
    session.set_data_storage(storage)
    session.set_launch_data_lifetime(LAUNCH_DATA_LIFETIME)
    return {
        "session_service": session,
        "cookie_service": PartitionedStateCookieService(request),
        "launch_data_storage": storage,
    }


def oidc_login(key: ToolKey, params: dict | None = None) -> FlaskOIDCLogin:
    """The login initiation for the current request (``params``: the request's, when posted or got)."""
    request = FlaskRequest(request_data=params)
    return FlaskOIDCLogin(request, DatabaseToolConf(key), **_services(request))


def message_launch(key: ToolKey) -> ToolMessageLaunch:
    """The authentication response (the id_token post) of the current request."""
    request = FlaskRequest()
    return ToolMessageLaunch(request, DatabaseToolConf(key), **_services(request))


def restored_launch(key: ToolKey, launch_id: str) -> ToolMessageLaunch:
    """A launch validated earlier, by its id (for the deep linking choice); LtiException if unknown."""
    request = FlaskRequest()
    return ToolMessageLaunch.from_cache(launch_id, request, DatabaseToolConf(key), **_services(request))
