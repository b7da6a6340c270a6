"""Settings: the config file's profiles, the environment and the command line, resolved once.

Precedence: command-line options > environment (`DASHSCOPE_API_KEY`,
`DASHSCOPE_HTTP_BASE_URL`, `DASHSCOPE_COMPAT_BASE_URL`, `DASHSCOPE_WORKSPACE`) > profile >
defaults. With no key and no base URL, threadscope runs on the embedded emulator. The
environment and config.toml are read by pydantic-settings; preferences are written back
with tomlkit, keeping the user's comments and layout.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from tui.api.calls import COMPAT_REGION_URLS, REGION_URLS, compat_base_url_for
from tui.api.errors import ThreadscopeError
from tui.api.models import empty_dict
from tui.base_url import is_loopback_host

APP_NAME = "threadscope"
EMBEDDED_KEY = "embedded-emulator"  # the in-process emulator wants a bearer; this is not a secret
LOCAL_KEY = "local"  # sent to a loopback --base-url (e.g. `threadscope serve`) when no key is set
EMBEDDED_BASE_URL = "http://embedded.threadscope/api/v1"


class ConfigError(ThreadscopeError):
    """The config file cannot be used: says which file, which key, what is wrong."""


def config_dir() -> Path:
    """Where config.toml and user themes live (THREADSCOPE_CONFIG_DIR overrides, for tests)."""
    return Path(os.environ.get("THREADSCOPE_CONFIG_DIR") or platformdirs.user_config_path(APP_NAME))


def data_dir() -> Path:
    """Where the emulator database, the thread ledger and the edit journal live (THREADSCOPE_DATA_DIR overrides)."""
    return Path(os.environ.get("THREADSCOPE_DATA_DIR") or platformdirs.user_data_path(APP_NAME))


# A profile that sets one of these was written for DashScope, not for the embedded demo.
REMOTE_FIELDS = frozenset({"api_key_env", "api_key", "workspace", "region"})


class Profile(BaseModel):
    """One `[profiles.NAME]` table of config.toml."""

    model_config = ConfigDict(extra="forbid")

    region: Literal["intl", "cn"] = "intl"
    base_url: str | None = None
    compat_base_url: str | None = None
    workspace: str | None = None
    api_key_env: str = "DASHSCOPE_API_KEY"
    api_key: SecretStr | None = None
    read_only: bool = False


def keys_as_text(value: object) -> str:
    """A `[keymap]` value, "right,l" or ["right", "l"], in the comma form Textual's keymap takes;
    one clear problem otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(key, str) for key in value):
        return ",".join(value)
    raise PydanticCustomError("keymap_keys", 'Input should be keys as a string ("right,l") or a list of strings')


class ConfigFile(BaseSettings):
    """The whole config.toml (the file is the only source: no environment variable sets these)."""

    model_config = SettingsConfigDict(extra="forbid")

    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=empty_dict)
    theme: str = "threadscope-dark"
    # "auto": as many rows as the message list shows (1–100); a number always wins.
    page_size: int | Literal["auto"] = "auto"
    keymap: dict[str, Annotated[str, BeforeValidator(keys_as_text)]] = Field(default_factory=empty_dict)
    auto_refresh: float = Field(default=0.0, ge=0.0)  # seconds between polls of the newest page; 0 = off
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_dir() / "config.toml"))

    @field_validator("page_size", mode="before")
    @classmethod
    def _page_size_in_range(cls, value: object) -> object:
        # One message for the whole field (a union would report each of its members).
        if value == "auto":
            return value
        if not isinstance(value, int) or isinstance(value, bool):
            raise PydanticCustomError("page_size", 'Input should be a number from 1 to 100, or "auto"')
        if not 1 <= value <= 100:
            kind, words, limit = (("greater_than_equal", "greater than or equal to", 1) if value < 1
                                  else ("less_than_equal", "less than or equal to", 100))
            raise PydanticCustomError(kind, f"Input should be {words} {{limit}}", {"limit": limit})
        return value



class Environment(BaseSettings):
    """The variables threadscope reads, by the names the official SDKs use (any letter case;
    an empty one counts as unset)."""

    model_config = SettingsConfigDict(case_sensitive=False, env_ignore_empty=True, extra="ignore")

    dashscope_api_key: SecretStr | None = None
    dashscope_http_base_url: str | None = None
    dashscope_compat_base_url: str | None = None
    dashscope_workspace: str | None = None
    threadscope_profile: str | None = None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)


def all_problems(exc: PydanticValidationError) -> str:
    """Every problem of a validation error on one line: `where: what; where: what`."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def load_config_file() -> tuple[ConfigFile, list[str]]:
    """Read and validate config.toml (a missing file is the defaults); warnings come back as lines."""
    path = config_dir() / "config.toml"
    warnings: list[str] = []
    try:
        config = ConfigFile()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except PydanticValidationError as exc:
        raise ConfigError(f"{path}: {all_problems(exc)}") from None
    if any(p.api_key for p in config.profiles.values()) and os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            warnings.append(
                f"{path} holds an API key but is readable by others (mode {mode:o}); run: chmod 600 {path}"
            )
    return config, warnings


def unknown_keymap_ids(settings: Settings, known: set[str]) -> str | None:
    """The line that reports `[keymap]` ids no key binding has (Textual would ignore them silently)."""
    unknown = sorted(set(settings.keymap) - known)
    if not unknown:
        return None
    names = ", ".join(unknown)
    return (f"{settings.config_path}: keymap: no key binding has the id {names} (ignored); "
            "press ? to see the ids")


def plain_http_host(url: str) -> str | None:
    """The host when `url` is plain `http://` to another machine (a key sent there travels unencrypted)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme.lower() != "http" or is_loopback_host(host):
        return None
    return host


@dataclass
class Settings:
    """Everything resolved: which backend, which key, where files live, UI preferences."""

    region: str = "intl"
    base_url: str | None = None
    compat_base_url: str | None = None
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
    key_variable: str = "DASHSCOPE_API_KEY"  # where this profile's key is read from
    demo_fallback_said: bool = False  # a warning already says a profile fell back to the demo

    @property
    def embedded(self) -> bool:
        """True when threadscope talks to its in-process emulator."""
        return self.demo or (self.api_key is None and self.base_url is None and self.compat_base_url is None)

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
            return EMBEDDED_BASE_URL
        return (self.base_url or REGION_URLS[self.region]).rstrip("/")

    @property
    def effective_compat_base_url(self) -> str | None:
        """The base URL of the OpenAI-compatible family (conversations), CONTRACT §1b, by the
        client's rule (`compat_base_url_for`): the one given; else, for a base URL ending in
        /api/v1, /compatible-mode/v1 beside it (one `threadscope serve` covers both); else the
        region's. None when only a custom base URL of another shape is given."""
        if self.embedded:
            return compat_base_url_for(EMBEDDED_BASE_URL, self.region, None)
        return compat_base_url_for(self.base_url, self.region, self.compat_base_url)

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
    def backend_brief(self) -> str:
        """The backend in a word or two, for a status bar with no room for backend_label."""
        kind = self.backend_kind
        if kind == "embedded":
            return "emulator"
        if kind == "custom":
            return f"custom {urlsplit(self.effective_base_url).netloc.rpartition('@')[2]}"  # never a user:password
        return f"DashScope {kind}"

    @property
    def shown_workspace(self) -> str | None:
        """The workspace requests go to: none on the emulator, whatever the profile says."""
        return None if self.embedded else self.workspace

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
        if any(url and is_loopback_host(urlsplit(url).hostname or "") for url in (self.base_url, self.compat_base_url)):
            return LOCAL_KEY
        return None

    def key_warnings(self) -> list[str]:
        """Lines warning that a real key would go out over plain http:// to another machine."""
        if self.embedded or self.api_key is None:
            return []
        urls = (self.effective_base_url, self.effective_compat_base_url)
        hosts = dict.fromkeys(plain_http_host(url) for url in urls if url)
        return [f"the API key would be sent unencrypted to {host} (plain http://): use https://, "
                "or a loopback address for a local emulator" for host in hosts if host]


def resolve_settings(
    *,
    base_url: str | None = None,
    compat_base_url: str | None = None,
    region: str | None = None,
    workspace: str | None = None,
    profile: str | None = None,
    api_key: str | None = None,
    demo: bool = False,
) -> Settings:
    """Merge the command line, the environment, the chosen profile and the defaults."""
    cdir, ddir = config_dir(), data_dir()
    config, warnings = load_config_file()
    env = Environment()
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
    resolved_compat = compat_base_url or env.dashscope_compat_base_url or chosen.compat_base_url
    if resolved_compat and resolved_compat.rstrip("/") == COMPAT_REGION_URLS.get(resolved_region):
        resolved_compat = None
    settings = Settings(
        region=resolved_region,
        base_url=resolved_base,
        compat_base_url=resolved_compat,
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
        key_variable=chosen.api_key_env,
    )
    if api_key:  # first: the TUI shows these as notices, the command line on stderr
        settings.warnings.insert(0, "--api-key lands in your shell history; prefer DASHSCOPE_API_KEY or a profile's api_key_env")
    settings.warnings.extend(settings.key_warnings())
    if key is None and settings.embedded and not demo and chosen.model_fields_set & REMOTE_FIELDS:
        # CONTRACT §2 keeps the fallback; a profile made for DashScope must not look like it is in use.
        settings.warnings.append(f"profile {profile_name}: {chosen.api_key_env} is not set — using the embedded demo")
        settings.demo_fallback_said = True
    return settings


def save_preference(settings: Settings, key: str, value: Any) -> None:
    """Write one top-level preference (e.g. `theme`) into config.toml, keeping the user's
    comments, layout and file mode."""
    import tomlkit

    path = settings.config_path
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    document[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    # The file may hold a key: the new one is created with the old one's mode, never wider.
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(tomlkit.dumps(document))
    os.chmod(tmp, mode)  # the umask may have narrowed it
    os.replace(tmp, path)
