"""A database URL read once, by one grammar, and shown only with its secrets redacted.

``parse_source_url`` reads ``postgresql://user:password@host:port/database?k=v&...`` as
people write it, not only as RFC 3986 spells it: a password may hold any character,
percent-encoded or not (``#``, ``?``, ``/``, ``@``, ``:``, ``%``, ``&``, spaces, letters
of any script). The user part ends at the first ``@`` after which the rest reads as
hosts, database and known parameters; a ``%`` followed by two hex digits is an encoded
byte (as libpq reads it), any other ``%`` is itself. The URL handed to libpq
(``SourceUrl.libpq_uri``) is written anew from the parts, every part percent-encoded, so
libpq reads what was meant; what is shown (``SourceUrl.shown``) is written from the parts
too, with ``***`` for each password, so nothing of a secret can slip through a message.

A text that starts like such a URL but does not read as one raises ``SourceUrlError``,
whose message never holds the text: it may hold a password. ``scrub`` takes the
passwords out of a message written by someone else (libpq, the driver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

__all__ = [
    "SECRET_KEYS",
    "SourceUrl",
    "SourceUrlError",
    "looks_like_source_url",
    "parse_source_url",
    "redact",
    "scrub",
    "shown_name",
    "shown_source",
]

SCHEMES = ("postgresql", "postgres")
MASK = "***"
# Parameters whose value is a secret.
SECRET_KEYS = frozenset({"password", "sslpassword"})
# libpq's connection parameters (PostgreSQL 17), and the project's own ``schema``: a
# query piece naming another key continues the value of a password before it.
LIBPQ_KEYS = frozenset(
    [
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "passfile",
        "require_auth",
        "channel_binding",
        "connect_timeout",
        "client_encoding",
        "options",
        "application_name",
        "fallback_application_name",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "replication",
        "gssencmode",
        "sslmode",
        "sslnegotiation",
        "requiressl",
        "sslcompression",
        "sslcert",
        "sslkey",
        "sslkeylogfile",
        "sslpassword",
        "sslcertmode",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "sslsni",
        "requirepeer",
        "ssl_min_protocol_version",
        "ssl_max_protocol_version",
        "min_protocol_version",
        "max_protocol_version",
        "krbsrvname",
        "gsslib",
        "gssdelegation",
        "service",
        "target_session_attrs",
        "load_balance_hosts",
        "schema",
    ]
)
# Shown to say what was refused without repeating it.
SHAPE = "postgresql://user:password@host:port/database?schema=name"

_START = re.compile(r"\s*postgres(?:ql)?:", re.IGNORECASE)
_SCHEME = re.compile(r"(postgres(?:ql)?)://", re.IGNORECASE)
_HOST = r"(?:\[[0-9A-Za-z:.%]*\]|[^\s\[\]/?#@:,&=]*)(?::[0-9]*)?"
_TAIL = re.compile(
    rf"(?P<hosts>{_HOST}(?:,{_HOST})*)(?P<db>/[^/?#@]*)?(?:\?(?P<query>.*))?\Z", re.DOTALL
)
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


class SourceUrlError(ValueError):
    """The text names a database but cannot be read as its URL; never holds the text."""


def looks_like_source_url(text: object) -> bool:
    """True when ``text`` is meant as a database URL (``postgres:``/``postgresql:``, in
    any case): such a text is read as one, or refused, never taken for a folder."""
    return isinstance(text, str) and _START.match(text) is not None


def decode(part: str) -> str:
    """``part`` with its ``%XX`` bytes decoded; any other ``%`` is kept as it is."""
    raw = _ESCAPE.sub(
        lambda m: bytes([int(m.group(1), 16)]), part.encode("utf-8", "surrogateescape")
    )
    return raw.decode("utf-8", "surrogateescape")


def encode(part: str, safe: str = "") -> str:
    return quote(part, safe=safe, errors="surrogateescape")


@dataclass(frozen=True)
class SourceUrl:
    """The parts of a database URL, decoded."""

    scheme: str
    user: str | None
    password: str | None
    hosts: str  # as written: host[:port][,host[:port]...], percent escapes kept
    database: str | None
    params: tuple[tuple[str, str], ...]  # in order, decoded

    def param(self, key: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.params if k == key), default)

    def libpq_uri(self, drop: tuple[str, ...] = (), add: tuple[tuple[str, str], ...] = ()) -> str:
        """The URI libpq reads, every part encoded; ``drop`` removes parameters (the
        project's ``schema``), ``add`` appends those not already given."""
        kept = [(k, v) for k, v in self.params if k not in drop]
        kept += [(k, v) for k, v in add if all(k != given for given, _ in kept)]
        return self._write(self.password, kept, mask=False)

    @property
    def shown(self) -> str:
        """The URL as it may be shown: every secret replaced by ``***``."""
        return self._write(self.password, list(self.params), mask=True)

    def secrets(self) -> tuple[str, ...]:
        """The secrets the URL holds, decoded and as they may be written (to scrub)."""
        found = [self.password] if self.password else []
        found += [v for k, v in self.params if k in SECRET_KEYS and v]
        forms = set()
        for secret in found:
            forms |= {secret, encode(secret), encode(secret, safe="!$&'()*+,;=:@/?")}
        return tuple(sorted(forms, key=len, reverse=True))

    def _write(self, password: str | None, params: list[tuple[str, str]], *, mask: bool) -> str:
        text = f"{self.scheme}://"
        if self.user is not None or password is not None:
            text += encode(self.user or "")
            if password is not None:
                text += ":" + (MASK if mask else encode(password))
            text += "@"
        text += self.hosts
        if self.database is not None:
            text += "/" + encode(self.database)
        if params:
            text += "?" + "&".join(
                f"{encode(k)}={MASK if mask and k in SECRET_KEYS else encode(v, safe='/:,')}"
                for k, v in params
            )
        return text


def parse_source_url(text: str) -> SourceUrl:
    """Read ``text`` as a database URL; SourceUrlError (without the text) when it is not
    one."""
    scheme = _SCHEME.match(text)
    if scheme is None:
        raise SourceUrlError(unreadable("it does not start with postgresql://"))
    rest = text[scheme.end() :]
    found = None
    # The user part ends at the first "@" after which the rest reads as hosts, database
    # and parameters; a URL without one reads so whole.
    for at in [i for i, c in enumerate(rest) if c == "@"]:
        tail = _TAIL.match(rest, at + 1)
        if tail is not None and (params := read_query(tail["query"])) is not None:
            found = (rest[:at], tail, params)
            break
    whole = _TAIL.match(rest)
    if whole is not None and (params := read_query(whole["query"])) is not None:
        # Read whole, any "@" sits in a parameter's value (user=a@b): no user part.
        found = (None, whole, params)
    if found is None:
        raise SourceUrlError(
            unreadable("its user, host, port, database or parameters are not where expected")
        )
    userinfo, tail, params = found
    user = password = None
    if userinfo is not None:
        name, colon, secret = userinfo.partition(":")
        user = decode(name)
        password = decode(secret) if colon else None
    database = decode(tail["db"][1:]) if tail["db"] is not None else None
    return SourceUrl(scheme[1].lower(), user, password, tail["hosts"], database, tuple(params))


def read_query(query: str | None) -> list[tuple[str, str]] | None:
    """The parameters of ``query``, decoded; None when a piece is not ``key=value`` with a
    key libpq knows. A piece after a secret that is not one continues the secret (a
    password holding ``&``)."""
    if not query:
        return []
    params: list[tuple[str, str]] = []
    for piece in query.split("&"):
        key, equals, value = piece.partition("=")
        if equals and decode(key) in LIBPQ_KEYS:
            params.append((decode(key), value))
        elif params and params[-1][0] in SECRET_KEYS:
            params[-1] = (params[-1][0], f"{params[-1][1]}&{piece}")
        else:
            return None
    return [(k, decode(v)) for k, v in params]


def unreadable(why: str) -> str:
    return (
        f"the database URL cannot be read ({why}; expected {SHAPE}, special characters "
        "percent-encoded or not); it is not repeated here since it may hold a password"
    )


def redact(text: str) -> str:
    """``text``, a database URL, as it may be shown (passwords replaced by ``***``); a
    text that does not read as one is not shown at all."""
    try:
        return parse_source_url(text).shown
    except SourceUrlError:
        return "postgresql://(a URL that cannot be read, not shown)"


def shown_name(name: str) -> str:
    """``name`` (a schema's, a table's) on one line: each character that does not print
    (a line break, a tab, a control character) shown as its escape, ``\\n``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in name)


def shown_source(name: str) -> str:
    """How a dataset's recorded source is shown: a database URL redacted again (a
    snapshot written by an older version may hold a password it failed to see), any
    other name as it is."""
    return redact(name) if looks_like_source_url(name) else name


def scrub(text: object, secrets: tuple[str, ...]) -> str:
    """``text`` on one line with every secret of ``secrets`` replaced by ``***``.

    A secret of fewer than four characters is replaced only where it stands alone
    (between characters that are not letters or digits), so that a one-letter password
    does not mask that letter in every word of the message."""
    text = str(text)
    for secret in secrets:
        # Before the text is put on one line, and after, for a secret holding spaces.
        for form in dict.fromkeys((secret, " ".join(secret.split()))):
            if not form:
                continue
            if len(form) >= 4:
                text = text.replace(form, MASK)
            else:
                text = re.sub(rf"(?<![^\W_]){re.escape(form)}(?![^\W_])", MASK, text)
        text = " ".join(text.split())
    return " ".join(text.split())
