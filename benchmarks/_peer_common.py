"""What the peers' runners share (standard library only): the tables they copy, and how they stay offline."""

import importlib.util
from urllib.parse import urlsplit, urlunsplit

#: The five JodGig tables the peers copy, each with its primary key.
JODGIG_TABLES: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "companies": ("id",),
    "outlets": ("id",),
    "outlet_user": ("outlet_id", "user_id"),
    "super_hq_external_companies": ("user_id", "company_id"),
}

#: No telemetry, and any HTTP(S) request (Sling 1.4.11 checks GitHub for a release on every
#: fourth second, with no setting to turn that off) goes to a closed port on this machine.
OFFLINE_ENV = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "SLING_DISABLE_TELEMETRY": "true",
    **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
}


def without_driver(sqlalchemy_url: str) -> str:
    """``mysql+pymysql://…`` → ``mysql://…``: the URL for tools that are not SQLAlchemy."""
    parts = urlsplit(sqlalchemy_url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+")[0]))


#: The modules of the ``bench`` extra, by import name.
BENCH_EXTRA = ("dlt", "connectorx", "pyarrow", "sling_linux_amd64")


def require_bench_extra() -> None:
    """Stop, saying how to install them, when a peer is not installed."""
    missing = [name for name in BENCH_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise SystemExit(
            f"the peer benchmark needs the bench extra ({', '.join(missing)} not installed): pip install -e '.[bench]'"
        )
