"""Accounts: registration, sign-in, password reset, roles and API tokens.

Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from learn_habitat.accounts.models import AccessToken, Role, User, new_session_token
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.text import N_

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
RESET_SALT = "learn-habitat/password-reset"
RESET_MAX_AGE_SECONDS = 60 * 60
TOKEN_PREFIX = "lh_"

# Checked when the email is unknown, so a sign-in takes as long whether or not the account exists.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; ``code`` is stable, ``field`` optional."""

    def __init__(self, code: str, message: str, field: str | None = None, **params):
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message  # untranslated, with %(name)s placeholders filled from params
        self.field = field
        self.params = params

    @property
    def text(self) -> str:
        """The message in English with its values filled in."""
        return self.message % self.params if self.params else self.message


def normalise_email(email: str) -> str:
    """The canonical form of an email address, or :class:`AccountError`."""
    try:
        result = validate_email(str(email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError("invalid_email", N_("Enter a valid email address."), "email") from exc
    return result.normalized.lower()


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short or too long."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "weak_password",
            N_("The password needs at least %(count)d characters."),
            "password",
            count=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("invalid_password", N_("The password is too long."), "password")


def find_user_by_email(email: str) -> User | None:
    """The user with this email, any case."""
    try:
        canonical = normalise_email(email)
    except AccountError:
        return None
    return db.session.scalar(db.select(User).where(User.email == canonical))


def register_user(
    email: str, name: str, password: str, language: str = "en", role: Role = Role.LEARNER
) -> User:
    """Create an account; :class:`AccountError` if the input is invalid or the email is taken."""
    canonical = normalise_email(email)
    name = " ".join(str(name or "").split())
    if not name or len(name) > 120:
        raise AccountError("invalid_name", N_("Give a name of 1 to 120 characters."), "name")
    check_password_rules(password)
    if language not in SUPPORTED_LANGUAGES:
        raise AccountError("invalid_language", N_("Choose one of the offered languages."), "language")
    if db.session.scalar(db.select(func.count()).select_from(User).where(User.email == canonical)):
        raise AccountError("email_taken", N_("An account with this email already exists."), "email")
    user = User(
        email=canonical,
        name=name,
        password_hash=generate_password_hash(password),
        language=language,
        role=role.value,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match, else ``None`` (same work either way)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, str(password or ""))
        return None
    return user if check_password_hash(user.password_hash, str(password or "")) else None


def set_password(user: User, password: str) -> None:
    """Change the password and sign out every existing session."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    user.session_token = new_session_token()


def update_profile(user: User, name: str, language: str) -> None:
    """Change the name and preferred language."""
    name = " ".join(str(name or "").split())
    if not name or len(name) > 120:
        raise AccountError("invalid_name", N_("Give a name of 1 to 120 characters."), "name")
    if language not in SUPPORTED_LANGUAGES:
        raise AccountError("invalid_language", N_("Choose one of the offered languages."), "language")
    user.name = name
    user.language = language


def create_or_promote_admin(email: str, password: str | None, name: str | None = None) -> tuple[User, bool]:
    """Make ``email`` an admin, creating the account if needed; returns (user, created)."""
    user = find_user_by_email(email)
    if user is None:
        if not password:
            raise AccountError("password_required", N_("A new admin account needs a password."), "password")
        user = register_user(email, name or email.split("@")[0], password, role=Role.ADMIN)
        return user, True
    user.role = Role.ADMIN.value
    if password:
        set_password(user, password)
    return user, False


def set_role(user: User, role: Role) -> None:
    """Give a user a role."""
    user.role = Role(role).value


# Password reset --------------------------------------------------------------------------------


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User, secret_key: str) -> str:
    """A signed link token that resets this user's password once, within the hour."""
    return _reset_serializer(secret_key).dumps({"user": user.id, "fp": _password_fingerprint(user)})


def user_for_reset_token(token: str, secret_key: str, max_age: int = RESET_MAX_AGE_SECONDS) -> User:
    """The user a valid reset token belongs to, or :class:`AccountError`."""
    try:
        data = _reset_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError("reset_expired", N_("This reset link has expired; ask for a new one.")) from exc
    except BadSignature as exc:
        raise AccountError("reset_invalid", N_("This reset link is not valid.")) from exc
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(str(data.get("fp")), _password_fingerprint(user)):
        raise AccountError("reset_invalid", N_("This reset link has already been used or is not valid."))
    return user


# API tokens ------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_access_token(user: User, name: str) -> tuple[AccessToken, str]:
    """A new personal access token; the plain token is returned once and never stored."""
    name = " ".join(str(name or "").split())[:80] or "token"
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(user=user, name=name, token_hash=_token_hash(plain))
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_access_token(user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; ``False`` if they have no such token."""
    token = db.session.scalar(
        db.select(AccessToken).where(AccessToken.id == token_id, AccessToken.user_id == user.id)
    )
    if token is None:
        return False
    db.session.delete(token)
    return True


def user_for_access_token(plain: str) -> User | None:
    """The owner of a token, or ``None``; notes when it was last used."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token = db.session.scalar(db.select(AccessToken).where(AccessToken.token_hash == _token_hash(plain)))
    if token is None:
        return None
    token.last_used_at = utcnow()
    return token.user


def user_for_session(session_token: str) -> User | None:
    """The user whose current session token this is (Flask-Login's user loader)."""
    return db.session.scalar(db.select(User).where(User.session_token == session_token))
