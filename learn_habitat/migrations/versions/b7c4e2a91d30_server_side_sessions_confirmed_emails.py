"""server-side sessions, confirmed emails, one spelling per email

Revision ID: b7c4e2a91d30
Revises: fe04034e2cb0
Create Date: 2026-12-14 10:00:00.000000

Sessions move to their own table (signing out deletes a row, so a copied cookie dies); the per-user
``session_token`` goes. ``email_confirmed_at`` says whether the owner proved the address (every existing
account did, under the old rules: it is set to its creation time). Stored emails are rewritten to the one
spelling ``accounts.services.normalize_email`` gives (NFKC, lower case, IDNA domain). When two accounts
fold to the same spelling, the one already stored with it keeps it (else the oldest); the others keep
their old spelling, which no sign-in reaches, and are logged for an admin to merge or delete.
"""
import logging
import secrets
import unicodedata

from alembic import op
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email


# revision identifiers, used by Alembic.
revision = 'b7c4e2a91d30'
down_revision = 'fe04034e2cb0'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _normalized(email):
    # A copy of services.normalize_email as it is today: a migration must not change when the code does.
    text = unicodedata.normalize("NFKC", email or "").strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    canonical = f"{unicodedata.normalize('NFKC', result.local_part.lower())}@{result.domain.lower()}"
    return canonical if len(canonical) <= 254 else None


def _rebuild_sqlite_tables_safely(change):
    """Run a batch change that copies a table on SQLite with foreign keys off, as SQLite's documentation asks:
    with them on, dropping the old copy of user_account would cascade and delete every learner's rows."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        change()
        return
    with op.get_context().autocommit_block():
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        change()
    finally:
        with op.get_context().autocommit_block():
            bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_session_key_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    def change_user_account():
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.drop_constraint(batch_op.f('uq_user_account_session_token'), type_='unique')
            batch_op.drop_column('session_token')

    _rebuild_sqlite_tables_safely(change_user_account)

    users = sa.table(
        'user_account',
        sa.column('id', sa.Integer),
        sa.column('email', sa.String),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('email_confirmed_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    bind.execute(users.update().values(email_confirmed_at=users.c.created_at))
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    # A spelling already stored is the one sign-in finds today (the old code lower-cased and folded too):
    # that account keeps it. Otherwise the oldest account that folds to it takes it.
    claimed = {email for _id, email in rows}
    for user_id, email in rows:
        canonical = _normalized(email)
        if canonical is None or canonical == email:
            continue
        if canonical in claimed:
            log.warning(
                "account %s (%r) folds to %r, which another account holds: left unchanged (no sign-in "
                "reaches it); merge or delete it", user_id, email, canonical,
            )
            continue
        bind.execute(users.update().where(users.c.id == user_id).values(email=canonical))
        claimed.add(canonical)


def downgrade():
    # Emails keep their normalised spelling: the old code lower-cased them and finds them the same way.
    def change_user_account():
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    _rebuild_sqlite_tables_safely(change_user_account)
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(24)))

    def finish_user_account():
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
            batch_op.create_unique_constraint(batch_op.f('uq_user_account_session_token'), ['session_token'])
            batch_op.drop_column('email_confirmed_at')

    _rebuild_sqlite_tables_safely(finish_user_account)

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
