"""Who may call the API. Every principal sees everything (operator), one partner's customers
(partner), or one tenant (customer); the check keeps the scope columns honest."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
    false,
)

from licensehub.ledger.tables.base import GUID, BigId, UtcDateTime, id_column, metadata, utcnow

PRINCIPAL_KINDS = ("operator", "partner", "customer")

principals = Table(
    "principals",
    metadata,
    id_column(),
    Column("kind", String(16), nullable=False),
    Column("name", String(256), nullable=False),
    Column("partner_id", BigId, ForeignKey("partners.id"), index=True),
    Column("tenant_id", BigId, ForeignKey("tenants.id"), index=True),
    Column("can_write", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    Column("disabled_at", UtcDateTime),
    CheckConstraint(
        "(kind = 'operator' AND partner_id IS NULL AND tenant_id IS NULL)"
        " OR (kind = 'partner' AND partner_id IS NOT NULL AND tenant_id IS NULL)"
        " OR (kind = 'customer' AND tenant_id IS NOT NULL AND partner_id IS NULL)",
        name="scope_matches_kind",
    ),
)

# Password sign-in (Veeam's POST /v6/token): the hash is argon2id, never the password.
password_credentials = Table(
    "password_credentials",
    metadata,
    id_column(),
    Column(
        "principal_id",
        BigId,
        ForeignKey("principals.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    # Case-folded: sign-in names match case-insensitively, as Windows and Entra ID do.
    Column("username", String(256), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)

# API clients (POST /oauth2/token, client_credentials): the secret is kept only as a keyed hash.
api_clients = Table(
    "api_clients",
    metadata,
    id_column(),
    Column(
        "principal_id",
        BigId,
        ForeignKey("principals.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)

# Entra ID sign-in: which principal a bearer token of Entra ID stands for. An identity is its
# directory (the token's `tid`) and its object id (`oid`); a row without an object id stands
# for every identity of the directory, and a row naming the object wins over it.
entra_identities = Table(
    "entra_identities",
    metadata,
    id_column(),
    Column(
        "principal_id",
        BigId,
        ForeignKey("principals.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("directory_id", GUID, nullable=False),
    Column("object_id", GUID),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    UniqueConstraint("directory_id", "object_id"),
)

# NULLs never collide in a unique constraint: a partial index keeps one whole-directory row.
Index(
    "uq_entra_identities_whole_directory",
    entra_identities.c.directory_id,
    unique=True,
    sqlite_where=entra_identities.c.object_id.is_(None),
    postgresql_where=entra_identities.c.object_id.is_(None),
)

# Refresh tokens are single-use: each refresh spends one and issues the next.
refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column(
        "principal_id",
        BigId,
        ForeignKey("principals.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("issued_at", UtcDateTime, nullable=False, default=utcnow),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# Keys licensehub generates once and keeps with the ledger, so that every process serving
# this database (and the CLI) signs and checks tokens alike.
service_secrets = Table(
    "service_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)
