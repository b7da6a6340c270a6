"""Settings: the config file's profiles, the environment and the command line, resolved once.

Precedence: command-line options > environment (`DASHSCOPE_API_KEY`,
`DASHSCOPE_HTTP_BASE_URL`, `DASHSCOPE_WORKSPACE`) > profile > defaults. With no key and
no base URL, threadscope runs on the embedded emulator.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from tui.api.client import REGION_URLS
from tui.api.errors import ThreadscopeError, first_problem
from tui.api.models import empty_dict

APP_NAME = "threadscope"
EMBEDDED_KEY = "embedded-emulator"  # the in-process emulator wants a bearer; this is not a secret
LOCAL_KEY = "local"  # sent to a loopback --base-url (e.g. `threadscope serve`) when no key is set


class ConfigError(ThreadscopeError):
    """The config file cannot be used: says which file, which key, what is wrong."""


def config_dir() -> Path:
    """Where config.toml and user themes live (THREADSCOPE_CONFIG_DIR overrides, for tests)."""
    return Path(os.environ.get("THREADSCOPE_CONFIG_DIR") or platformdirs.user_config_path(APP_NAME))


def data_dir() -> Path:
    """Where the emulator database, the thread ledger and the edit journal live (THREADSCOPE_DATA_DIR overrides)."""
    return Path(os.environ.get("THREADSCOPE_DATA_DIR") or platformdirs.user_data_path(APP_NAME))


class Profile(BaseModel):
    """One `[profiles.NAME]` table of config.toml."""

    model_config = ConfigDict(extra="forbid")

    region: Literal["intl", "cn"] = "intl"
    base_url: str | None = None
    workspace: str | None = None
    api_key_env: str = "DASHSCOPE_API_KEY"
    api_key: SecretStr | None = None
    read_only: bool = False


def page_size_in_range(value: int | str) -> int | str:
    """1–100 (what the server accepts as a list limit), or "auto"."""
    if isinstance(value, int) and not 1 <= value <= 100:
        bound = ("greater_than_equal", "greater than or equal to", 1) if value < 1 else (
            "less_than_equal", "less than or equal to", 100)
        raise PydanticCustomError(bound[0], f"Input should be {bound[1]} {{limit}}", {"limit": bound[2]})
    return value


class ConfigFile(BaseModel):
    """The whole config.toml."""

    model_config = ConfigDict(extra="forbid")

    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=empty_dict)
    theme: str = "threadscope-dark"
    # "auto": as many rows as the message list shows (1–100); a number always wins.
    page_size: Annotated[int | Literal["auto"], AfterValidator(page_size_in_range)] = "auto"
    keymap: dict[str, str] = Field(default_factory=empty_dict)
    auto_refresh: float = Field(default=0.0, ge=0.0)  # seconds between polls of the newest page; 0 = off
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)


class Environment(NamedTuple):
    """The variables threadscope reads, by the names the official SDK uses (in any letter case).

    Four names read by hand: pydantic-settings did this job, but importing it cost ~25 ms of
    every start (bench goal 3), a tenth of the whole cold start, for four os.environ lookups.
    """

    dashscope_api_key: SecretStr | None = None
    dashscope_http_base_url: str | None = None
    dashscope_workspace: str | None = None
    threadscope_profile: str | None = None

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        environ = os.environ if environ is None else environ
        names = set(cls._fields)
        found: dict[str, str] = {}
        for name, value in environ.items():
            wanted = name.lower()
            # The upper-case spelling wins over any other, whatever order the environment is in.
            if wanted in names and (wanted not in found or name.isupper()):
                found[wanted] = value
        key = found.pop("dashscope_api_key", None)
        return cls(dashscope_api_key=None if key is None else SecretStr(key), **found)


def load_config_file(path: Path) -> tuple[ConfigFile, list[str]]:
    """Read and validate config.toml (a missing file is the defaults); warnings come back as lines."""
    warnings: list[str] = []
    if not path.exists():
        return ConfigFile(), warnings
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        config = ConfigFile.model_validate(raw)
    except PydanticValidationError as exc:
        where, what, _ = first_problem(exc, "(top level)")
        raise ConfigError(f"{path}: {where}: {what}") from None
    if any(p.api_key for p in config.profiles.values()) and os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            warnings.append(
                f"{path} holds an API key but is readable by others (mode {mode:o}); run: chmod 600 {path}"
            )
    return config, warnings


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Settings:
    """Everything resolved: which backend, which key, where files live, UI preferences."""

    region: str = "intl"
    base_url: str | None = None
    workspace: str | None = None
    api_key: SecretStr | None = None
    profile: str | None = None
    read_only: bool = False
    demo: bool = False
    page_size: int | Literal["auto"] = "auto"
    theme: str = "threadscope-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    auto_refresh: float = 0.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    config_dir: Path = field(default_factory=config_dir)
    data_dir: Path = field(default_factory=data_dir)
    warnings: list[str] = field(default_factory=list)

    @property
    def embedded(self) -> bool:
        """True when threadscope talks to its in-process emulator."""
        return self.demo or (self.api_key is None and self.base_url is None)

    @property
    def backend_kind(self) -> str:
        """`embedded`, `intl`, `cn` or `custom`."""
        if self.embedded:
            return "embedded"
        if self.base_url is None or self.base_url.rstrip("/") == REGION_URLS.get(self.region):
            return self.region
        return "custom"

    @property
    def effective_base_url(self) -> str:
        """The base URL requests go to (the emulator's is a placeholder host)."""
        if self.embedded:
            return "http://embedded.threadscope/api/v1"
        return (self.base_url or REGION_URLS[self.region]).rstrip("/")

    @property
    def backend_label(self) -> str:
        """What the status bar says so nobody mistakes the demo for production."""
        kind = self.backend_kind
        if kind == "embedded":
            return "embedded emulator (demo data)"
        if kind == "custom":
            return f"custom {self.effective_base_url}"
        return f"DashScope {kind} ({urlsplit(self.effective_base_url).hostname})"

    @property
    def backend_id(self) -> str:
        """A stable name for this backend (and workspace), used to keep ledgers apart."""
        if self.embedded:
            return "embedded"
        return f"{self.backend_kind}:{self.effective_base_url}|{self.workspace or ''}"

    @property
    def emulator_db(self) -> Path:
        return self.data_dir / "emulator.sqlite3"

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "ledger.json"

    def read_only_reason(self) -> str:
        """Why writes are off, naming where the setting comes from."""
        where = f"profile {self.profile!r}" if self.profile else "this configuration"
        return f"{where} is read-only (read_only = true in config.toml)"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "journal.jsonl"

    @property
    def config_path(self) -> Path:
        return self.config_dir / "config.toml"

    def request_key(self) -> str | None:
        """The bearer to send: the real key, or a placeholder the emulator accepts."""
        if self.embedded:
            return EMBEDDED_KEY
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.base_url and is_loopback_url(self.base_url):
            return LOCAL_KEY
        return None


def resolve_settings(
    *,
    base_url: str | None = None,
    region: str | None = None,
    workspace: str | None = None,
    profile: str | None = None,
    api_key: str | None = None,
    demo: bool = False,
) -> Settings:
    """Merge the command line, the environment, the chosen profile and the defaults."""
    cdir, ddir = config_dir(), data_dir()
    config, warnings = load_config_file(cdir / "config.toml")
    env = Environment.read()
    profile_name = profile or env.threadscope_profile or config.default_profile
    if profile_name is not None and profile_name not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none defined"
        raise ConfigError(f"{cdir / 'config.toml'}: profiles.{profile_name}: no such profile (known: {known})")
    chosen = config.profiles.get(profile_name) if profile_name else None
    chosen = chosen or Profile()

    key: SecretStr | None = None
    if api_key:
        key = SecretStr(api_key)
    elif env.dashscope_api_key and env.dashscope_api_key.get_secret_value():
        key = env.dashscope_api_key
    elif chosen.api_key_env != "DASHSCOPE_API_KEY" and os.environ.get(chosen.api_key_env):
        key = SecretStr(os.environ[chosen.api_key_env])
    elif chosen.api_key is not None:
        key = chosen.api_key

    resolved_region = region or chosen.region
    resolved_base = base_url or env.dashscope_http_base_url or chosen.base_url
    if resolved_base and resolved_base.rstrip("/") == REGION_URLS.get(resolved_region):
        resolved_base = None
    return Settings(
        region=resolved_region,
        base_url=resolved_base,
        workspace=workspace or env.dashscope_workspace or chosen.workspace,
        api_key=key,
        profile=profile_name,
        read_only=chosen.read_only,
        demo=demo,
        page_size=config.page_size,
        theme=config.theme,
        keymap=dict(config.keymap),
        auto_refresh=config.auto_refresh,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        config_dir=cdir,
        data_dir=ddir,
        warnings=warnings,
    )


def save_preference(settings: Settings, key: str, value: Any) -> None:
    """Write one top-level preference (e.g. `theme`) into config.toml, keeping the rest of the file."""
    path = settings.config_path
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    rendered = f"{key} = {_toml_value(value)}"
    # Top-level keys live before the first [table]; replace ours there, or add it there.
    first_table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    existing = next((i for i in range(first_table) if lines[i].split("=", 1)[0].strip() == key), None)
    if existing is not None:
        lines[existing] = rendered
    else:
        lines.insert(first_table, rendered)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
