"""Accounts: registration, sign-in, sessions, password reset, roles and API tokens.

Services take explicit arguments and never read the request; the caller commits.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from learn_habitat.accounts.models import AccessToken, Role, User, UserSession
from learn_habitat.content import SUPPORTED_LANGUAGES
from learn_habitat.database import utcnow
from learn_habitat.extensions import db
from learn_habitat.text import N_

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn's score runs from 0 ("too guessable") to 4; 3 means "safely unguessable" against an offline attack
# on a slow hash, which is what a leaked database of scrypt hashes would face.
MIN_PASSWORD_SCORE = 3
MAX_EMAIL_LENGTH = 254
RESET_SALT = "learn-habitat/password-reset"
RESET_MAX_AGE_SECONDS = 60 * 60
CONFIRM_SALT = "learn-habitat/confirm-email"
CONFIRM_MAX_AGE_SECONDS = 3 * 24 * 60 * 60
EMAIL_CHANGE_SALT = "learn-habitat/change-email"
EMAIL_CHANGE_MAX_AGE_SECONDS = 24 * 60 * 60
# A server-side session lives as long as Flask-Login's remember cookie may (its default: a year).
SESSION_MAX_AGE = timedelta(days=365)
TOKEN_PREFIX = "lh_"


@functools.cache
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a sign-in takes as long whether or not the account exists.
    Made at first use, not at import: hashing takes a tenth of a second that every start would pay."""
    return generate_password_hash("not a real password")


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


class AccountErrors(AccountError):
    """Several problems with one form, one per field, so the person can mend them all at once."""

    def __init__(self, errors: list[AccountError]):
        first = errors[0]
        super().__init__(first.code, first.message, first.field, **first.params)
        self.errors = errors


# Email addresses ---------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """The one spelling of an address that sign-in, registration, reset and rate limits all use.

    Unicode NFKC (full-width and other compatibility forms fold to their plain letters), lower case,
    and the domain through IDNA (``xn--bcher-kva.example`` and ``BÜCHER.example`` are ``bücher.example``).
    :class:`AccountError` if it is not an address.
    """
    text = unicodedata.normalize("NFKC", str(email or "")).strip()
    try:
        if len(text) > MAX_EMAIL_LENGTH:
            raise EmailNotValidError("too long")
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError("invalid_email", N_("Enter a valid email address."), "email") from exc
    local = unicodedata.normalize("NFKC", result.local_part.lower())
    canonical = f"{local}@{result.domain.lower()}"
    if len(canonical) > MAX_EMAIL_LENGTH:
        raise AccountError("invalid_email", N_("Enter a valid email address."), "email")
    return canonical


def email_limit_key(email: object) -> str:
    """The per-account rate-limit key for what a client typed: every spelling of one address is one key."""
    try:
        return normalize_email(email if isinstance(email, str) else "")
    except AccountError:
        # Not an address: no account can match it, but the same folding keeps look-alikes in one bucket.
        text = email if isinstance(email, str) else ""
        return unicodedata.normalize("NFKC", text[: MAX_EMAIL_LENGTH * 4]).strip().lower()[:MAX_EMAIL_LENGTH]


def find_user_by_email(email: str) -> User | None:
    """The user with this address, however it is spelt."""
    try:
        canonical = normalize_email(email)
    except AccountError:
        return None
    return db.session.scalar(db.select(User).where(User.email == canonical))


# Passwords and names -----------------------------------------------------------------------------


def check_password_rules(password: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse passwords that are too short, too long, or easy to guess (zxcvbn, knowing the user's name
    and address, so "Lea Learner 2026" is weak for Lea)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            "weak_password",
            N_("The password needs at least %(count)d characters."),
            "password",
            count=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("invalid_password", N_("The password is too long."), "password")
    inputs = [part for text in user_inputs if text for part in (text, *str(text).replace("@", " ").split())]
    if zxcvbn(password, user_inputs=inputs, max_length=MAX_PASSWORD_LENGTH)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            "weak_password",
            N_(
                "This password is too easy to guess: it is common, or built from your name or email. "
                "Try a few unrelated words."
            ),
            "password",
        )


def _clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name or len(name) > 120:
        raise AccountError("invalid_name", N_("Give a name of 1 to 120 characters."), "name")
    return name


def _check_language(language: str) -> None:
    if language not in SUPPORTED_LANGUAGES:
        raise AccountError("invalid_language", N_("Choose one of the offered languages."), "language")


# Accounts ----------------------------------------------------------------------------------------


def register_user(
    email: str, name: str, password: str, language: str = "en", role: Role = Role.LEARNER
) -> User:
    """Create a confirmed account at once (the CLI, tests); :class:`AccountError` if invalid or taken.

    Sign-up from the site and the API goes through :func:`prepare_registration` instead.
    """
    canonical = normalize_email(email)
    name = _clean_name(name)
    check_password_rules(password, (name, canonical))
    _check_language(language)
    if find_user_by_email(canonical) is not None:
        raise AccountError("email_taken", N_("An account with this email already exists."), "email")
    user = User(
        email=canonical,
        name=name,
        password_hash=generate_password_hash(password),
        language=language,
        role=role.value,
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class Registration:
    """A checked sign-up, not yet applied: what the background worker needs, with the password hashed."""

    email: str
    name: str
    language: str
    password_hash: str


def prepare_registration(email: str, name: str, password: str, language: str = "en") -> Registration:
    """Check a sign-up and hash its password without looking at the database, so the answer (and its
    time) is the same whether or not the address has an account.

    Every field is checked: :class:`AccountErrors` lists all the problems at once, one per field.
    """
    errors = []
    checked = {}
    for key, check in (
        ("email", lambda: normalize_email(email)),
        ("name", lambda: _clean_name(name)),
        ("password", lambda: check_password_rules(password, (checked.get("name"), checked.get("email")))),
        ("language", lambda: _check_language(language)),
    ):
        try:
            checked[key] = check()
        except AccountError as error:
            errors.append(error)
    if errors:
        raise AccountErrors(errors)
    return Registration(checked["email"], checked["name"], language, generate_password_hash(password))


def apply_registration(registration: Registration) -> tuple[User, bool]:
    """Record a sign-up (in the background); returns (user, is_new_or_unconfirmed).

    A confirmed owner keeps the account untouched (they are mailed instead). An unconfirmed account takes
    the newest sign-up's name and password: whoever can read the mailbox decides, never an earlier squatter.
    """
    user = find_user_by_email(registration.email)
    if user is not None and user.email_confirmed_at is not None:
        return user, False
    if user is None:
        user = User(email=registration.email, role=Role.LEARNER.value)
        db.session.add(user)
    user.name = registration.name
    user.language = registration.language
    user.password_hash = registration.password_hash
    db.session.flush()
    return user, True


def _confirm_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT)


def make_confirmation_token(user: User, secret_key: str) -> str:
    """A signed token proving the holder read the mail sent to ``user.email`` for this sign-up."""
    return _confirm_serializer(secret_key).dumps({"user": user.id, "fp": _password_fingerprint(user)})


def confirm_email(token: str, password: str, secret_key: str, max_age: int = CONFIRM_MAX_AGE_SECONDS) -> User:
    """Confirm an account from its mailed link and the password chosen at sign-up (so a stranger who signed
    up with your address cannot have you confirm *their* password); :class:`AccountError` otherwise."""
    try:
        data = _confirm_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError("confirm_expired", N_("This link has expired; sign up again.")) from exc
    except BadSignature as exc:
        raise AccountError("confirm_invalid", N_("This link is not valid.")) from exc
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if (
        user is None
        or user.email_confirmed_at is not None
        or not hmac.compare_digest(str(data.get("fp")), _password_fingerprint(user))
    ):
        raise AccountError("confirm_invalid", N_("This link has already been used or is not valid."))
    if not check_password_hash(user.password_hash, str(password or "")):
        raise AccountError("wrong_password", N_("This is not the password you chose."), "password")
    user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the email and password match and the address is confirmed, else ``None`` (the same work
    either way, and the same answer for an unconfirmed account, which would tell that a sign-up was new)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), str(password or ""))
        return None
    matches = check_password_hash(user.password_hash, str(password or ""))
    return user if matches and user.email_confirmed_at is not None else None


def set_password(user: User, password: str) -> None:
    """Change the password: every session ends and every API token is revoked (whoever knew the old one
    may have made them)."""
    check_password_rules(password, (user.name, user.email))
    user.password_hash = generate_password_hash(password)
    end_all_sessions(user)
    revoke_all_access_tokens(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; :class:`AccountError` if it is wrong."""
    if not check_password_hash(user.password_hash, str(current_password or "")):
        raise AccountError("wrong_password", N_("The current password is not right."), "current_password")
    set_password(user, new_password)


def update_profile(user: User, name: str, language: str) -> None:
    """Change the name and preferred language."""
    name = _clean_name(name)
    _check_language(language)
    user.name = name
    user.language = language


# Changing the email address -----------------------------------------------------------------------


@dataclass(frozen=True)
class EmailChange:
    """A checked request to move an account to another address, not yet applied."""

    user_id: int
    old_email: str
    new_email: str


def request_email_change(user: User, new_email: str, password: str) -> EmailChange:
    """Check a change of address (the current password, a valid and different address) without looking
    at who owns the new address, so the answer is the same either way; :class:`AccountError` if not."""
    if not check_password_hash(user.password_hash, str(password or "")):
        raise AccountError("wrong_password", N_("The password is not right."), "password")
    canonical = normalize_email(new_email)
    if canonical == user.email:
        raise AccountError("same_email", N_("This is already the address of your account."), "email")
    return EmailChange(user.id, user.email, canonical)


def _email_change_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=EMAIL_CHANGE_SALT)


def _email_fingerprint(user: User) -> str:
    # Part of the token: once the address or the password changes, every earlier link stops working.
    return hashlib.sha256(f"{user.email}\n{user.password_hash}".encode()).hexdigest()[:16]


def make_email_change_token(user: User, new_email: str, secret_key: str) -> str:
    """A signed token that moves ``user`` to ``new_email`` once, within a day, when its holder opens it."""
    return _email_change_serializer(secret_key).dumps(
        {"user": user.id, "email": new_email, "fp": _email_fingerprint(user)}
    )


def email_change_for_token(
    token: str, secret_key: str, max_age: int = EMAIL_CHANGE_MAX_AGE_SECONDS
) -> EmailChange:
    """The change a valid link stands for, or :class:`AccountError`."""
    try:
        data = _email_change_serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError(
            "email_change_expired", N_("This link has expired; ask for the change again.")
        ) from exc
    except BadSignature as exc:
        raise AccountError("email_change_invalid", N_("This link is not valid.")) from exc
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if (
        user is None
        or user.deleted_at is not None
        or not isinstance(data.get("email"), str)
        or not hmac.compare_digest(str(data.get("fp")), _email_fingerprint(user))
    ):
        raise AccountError("email_change_invalid", N_("This link has already been used or is not valid."))
    return EmailChange(user.id, user.email, data["email"])


def apply_email_change(change: EmailChange) -> User:
    """Move the account to its new address (proved by the mailed link); :class:`AccountError` if another
    account took the address meanwhile."""
    user = db.session.get(User, change.user_id)
    if find_user_by_email(change.new_email) is not None:
        raise AccountError("email_change_invalid", N_("This link has already been used or is not valid."))
    user.email = change.new_email
    user.email_confirmed_at = utcnow()
    db.session.flush()
    return user


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
        # The operator vouches for the address and replaced whatever password an unconfirmed sign-up had.
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user, False


def set_role(user: User, role: Role) -> None:
    """Give a user a role."""
    user.role = Role(role).value


# Sessions --------------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new server-side session for ``user`` (its key goes into the cookie; only a hash is stored)."""
    db.session.execute(
        db.delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at < utcnow() - SESSION_MAX_AGE
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_key_hash(key)))
    db.session.flush()
    user.session_key = key
    return key


def end_session(key: str | None) -> None:
    """End one session (signing out): its cookie, even a copy of it, no longer signs anyone in."""
    if key:
        db.session.execute(db.delete(UserSession).where(UserSession.key_hash == _key_hash(key)))


def end_all_sessions(user: User) -> None:
    """End every session of ``user`` on every device."""
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))
    db.session.expire(user, ["sessions"])
    user.session_key = None


# Built once: every signed-in request runs it, and building the statement cost more than running it.
_USER_OF_SESSION = (
    db.select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.key_hash == db.bindparam("key_hash"),
        UserSession.created_at >= db.bindparam("oldest"),
    )
)


def user_for_session(key: str) -> User | None:
    """The user of a live session (Flask-Login's user loader, for the session and the remember cookie)."""
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    user = db.session.scalar(
        _USER_OF_SESSION, {"key_hash": _key_hash(key), "oldest": utcnow() - SESSION_MAX_AGE}
    )
    if user is not None:
        user.session_key = key
    return user


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


def reset_password(user: User, password: str) -> None:
    """Set a password chosen through a mailed reset link; opening that link also proves the address."""
    set_password(user, password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()


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


def revoke_all_access_tokens(user: User) -> None:
    """Delete every token of ``user``."""
    db.session.execute(db.delete(AccessToken).where(AccessToken.user_id == user.id))
    db.session.expire(user, ["tokens"])
