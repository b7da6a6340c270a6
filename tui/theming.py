"""Themes as data: `themes/*.toml` validated by a pydantic model, loaded into Textual themes.

Bundled themes ship inside the package (`tui/themes/` in the wheel, `themes/` in a checkout);
user themes in `<config dir>/themes/*.toml` are merged in (same name: the user's wins). A
broken file is skipped with one line — file, field, problem — and never stops the app.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

from tui.api.models import empty_dict

DEFAULT_THEME = "threadscope-dark"
COLOR_FIELDS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
                "warning", "error", "success")


def _check_color(value: str) -> str:
    # Textual variables may carry an alpha suffix ("#00FFFF 60%"): check the colour part.
    colour = value.split()[0] if value.strip() else value
    try:
        Color.parse(colour)
    except ColorParseError:
        raise ValueError(f"{value!r} is not a colour (use #RRGGBB, rgb(…), or a colour name)") from None
    return value


class ThemeSpec(BaseModel):
    """One theme file. Unknown fields are refused, so a typo is reported instead of ignored."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,47}$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    variables: dict[str, str] = Field(default_factory=empty_dict)

    @field_validator(*COLOR_FIELDS)
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        return None if value is None else _check_color(value)

    @field_validator("variables")
    @classmethod
    def _variables(cls, value: dict[str, str]) -> dict[str, str]:
        for key, colour in value.items():
            if key.startswith("role-") or key.endswith(("-foreground", "-background", "-muted")):
                try:
                    _check_color(colour)
                except ValueError as exc:
                    raise ValueError(f"{key}: {exc}") from None
        return value

    def to_theme(self) -> Theme:
        colours: dict[str, Any] = {field: getattr(self, field) for field in COLOR_FIELDS if getattr(self, field)}
        return Theme(name=self.name, dark=self.dark, variables=dict(self.variables), **colours)


class ThemeFileError(ValueError):
    """A theme file that cannot be used; str() is the one line shown to the user."""


def bundled_themes_dir() -> Path | None:
    """Where the shipped themes are: inside the installed package, or the checkout's `themes/`."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "themes", package.parent / "themes"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return None


def theme_problems(exc: ValidationError) -> str:
    """Every problem of a theme file on one line: `field: what; field: what`."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "(file)"
        what = "unknown field (a typo?)" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{where}: {what.removeprefix('Value error, ')}")
    return "; ".join(problems)


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeFileError(f"theme {path}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeFileError(f"theme {path}: not valid TOML ({exc})") from None
    try:
        spec = ThemeSpec.model_validate(data)
    except ValidationError as exc:
        raise ThemeFileError(f"theme {path}: {theme_problems(exc)}") from None
    return spec.to_theme()


def load_themes(directories: list[Path]) -> tuple[dict[str, Theme], list[str]]:
    """Every valid theme of these directories (later directories win on a name), and the warnings."""
    themes: dict[str, Theme] = {}
    warnings: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeFileError as exc:
                warnings.append(str(exc))
                continue
            themes[theme.name] = theme
    return themes, warnings


def register_themes(app, user_dir: Path) -> list[str]:
    """Register bundled and user themes on `app`; returns one line per broken file."""
    directories = [d for d in (bundled_themes_dir(), user_dir) if d is not None]
    themes, warnings = load_themes(directories)
    for theme in themes.values():
        app.register_theme(theme)
    return warnings


def usable_theme(app, name: str) -> tuple[str, str | None]:
    """`name` if `app` has it; else the default, and a line saying so."""
    if name in app.available_themes:
        return name, None
    fallback = DEFAULT_THEME if DEFAULT_THEME in app.available_themes else "textual-dark"
    return fallback, f"Theme {name!r} is not available (not bundled, not in the themes folder): using {fallback}."
