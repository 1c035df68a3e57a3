"""Where regtrack keeps things, and which lore it talks to.

Each setting is resolved in the same order: the command-line option, then an
environment variable, then the config file, then a default that follows the
XDG base-directory convention:

==========  ==================  ===========  =====================================
setting     option              environment  default
==========  ==================  ===========  =====================================
database    ``--db``            REGTRACK_DB  ``$XDG_DATA_HOME/regtrack/regtrack.db``
lore        ``--lore``          REGTRACK_LORE  ``https://lore.kernel.org/all/``
cache       (none)              REGTRACK_CACHE ``$XDG_CACHE_HOME/regtrack``
==========  ==================  ===========  =====================================

The config file is TOML at ``$REGTRACK_CONFIG`` or
``$XDG_CONFIG_HOME/regtrack/config.toml``, with keys ``db``, ``lore`` and
``cache`` (strings), and for regression tracking ``report_threshold`` (the
classifier score from which a message becomes a tracked regression, default
3), ``stale_days`` (days without activity after which an unresolved
regression is flagged stale, default 30) and ``unmerged_days`` (days after
which a posted fix not yet in the regression's tree is listed in the digest,
default 14), whole numbers; and for the digest mail ``digest_from``,
``digest_to`` and ``digest_cc`` (address lists as written in a header).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from regtrack.errors import ConfigError

DEFAULT_LORE = "https://lore.kernel.org/all/"


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else Path.home() / fallback


def config_path() -> Path:
    explicit = os.environ.get("REGTRACK_CONFIG")
    if explicit:
        return Path(explicit)
    return _xdg("XDG_CONFIG_HOME", ".config") / "regtrack" / "config.toml"


KNOWN_KEYS = (
    "db", "lore", "cache", "report_threshold", "stale_days", "unmerged_days",
    "digest_from", "digest_to", "digest_cc",
)  # fmt: skip
_NUMBER_KEYS = {
    "report_threshold": (-100, 100), "stale_days": (1, 100_000), "unmerged_days": (1, 100_000),
}  # fmt: skip
DEFAULT_REPORT_THRESHOLD = 3
DEFAULT_STALE_DAYS = 30
# The digest's "fix posted, not merged" section: a fix mail this many days old
# whose commit has not reached the regression's own tree.
DEFAULT_UNMERGED_DAYS = 14
# The weekly digest mail (``regtrack digest --mail``): who it is from and for.
DEFAULT_DIGEST_FROM = "regtrack <regtrack@localhost>"
DEFAULT_DIGEST_TO = "regressions@lists.linux.dev"


def load_config() -> dict[str, str | int]:
    """The config file's settings; an absent default file is an empty config.

    A file named by ``$REGTRACK_CONFIG`` must exist (a typo there would
    otherwise silently fall back to the defaults), every key must be one
    regtrack knows, and every value a non-empty string.
    """
    path = config_path()
    try:
        with open(path, "rb") as handle:
            settings = tomllib.load(handle)
    except FileNotFoundError as exc:
        if os.environ.get("REGTRACK_CONFIG"):
            raise ConfigError(f"{path}: no such config file (named by REGTRACK_CONFIG)") from exc
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    for key, value in settings.items():
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(KNOWN_KEYS)})")
        if key in _NUMBER_KEYS:
            low, high = _NUMBER_KEYS[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(
                    f"{path}: {key} must be a whole number from {low} to {high}, not {value!r}"
                )
            continue
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: {key} must be a non-empty string, not {value!r}")
    return settings


def tracking_settings() -> tuple[int, int]:
    """(report_threshold, stale_days) from the config file, or their defaults."""
    settings = load_config()
    return (
        int(settings.get("report_threshold", DEFAULT_REPORT_THRESHOLD)),
        int(settings.get("stale_days", DEFAULT_STALE_DAYS)),
    )


def _setting(option: str | None, env: str, key: str, default: str) -> str:
    if option:
        return option
    if os.environ.get(env):
        return os.environ[env]
    value = load_config().get(key)
    return str(value) if value else default


def resolve_db_path(option: str | None) -> Path:
    default = _xdg("XDG_DATA_HOME", ".local/share") / "regtrack" / "regtrack.db"
    return Path(_setting(option, "REGTRACK_DB", "db", str(default))).expanduser()


def resolve_lore_url(option: str | None) -> str:
    """The lore base URL from the option, environment, config file or default.

    A URL given as an ingest target names its own server and is used in
    preference to the environment, config and default (only ``--lore``
    overrides it); :func:`regtrack.sources.detect.open_targets` decides that,
    and checks and normalises the URL (config sits below the sources).
    """
    return _setting(option, "REGTRACK_LORE", "lore", DEFAULT_LORE)


def resolve_cache_dir() -> Path:
    default = _xdg("XDG_CACHE_HOME", ".cache") / "regtrack"
    return Path(_setting(None, "REGTRACK_CACHE", "cache", str(default))).expanduser()
