"""Themes as files: every bundled one is valid, broken ones are reported in one line, the choice is saved."""

import tomllib
from pathlib import Path

import pytest
from textual.color import Color

from tui.config import resolve_settings
from tui.theming import DEFAULT_THEME, ThemeFileError, bundled_themes_dir, load_theme_file, load_themes
from tui.widgets.message_list import contrast_ratio

BUNDLED = sorted((Path(__file__).parents[2] / "themes").glob("*.toml"))


def test_at_least_four_bundled_themes_all_valid():
    assert bundled_themes_dir() is not None
    themes, warnings = load_themes([bundled_themes_dir()])
    assert warnings == []
    assert {DEFAULT_THEME, "threadscope-light", "threadscope-high-contrast", "threadscope-lantern"} <= set(themes)
    assert themes["threadscope-light"].dark is False
    for theme in themes.values():
        assert {"role-user", "role-assistant"} <= set(theme.variables), theme.name


def test_high_contrast_uses_only_the_16_colour_palette():
    palette = {"#000000", "#FFFFFF", "#FFFF00", "#00FFFF", "#FF0000", "#00FF00", "#FF00FF"}
    data = tomllib.loads((bundled_themes_dir() / "threadscope-high-contrast.toml").read_text())
    used = {v for k, v in data.items() if isinstance(v, str) and v.startswith("#")}
    used |= {v.split()[0] for v in data["variables"].values() if v.startswith("#")}
    assert used <= palette, used - palette


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('name = "x-broken"\nprimary = "#12345"\n', "primary: '#12345' is not a colour"),
        ('name = "x-broken"\n', "primary: Field required"),
        ('name = "x-broken"\nprimary = "#123456"\nbackgrund = "#000000"\n', "backgrund: unknown field (a typo?)"),
        ('name = "Bad Name"\nprimary = "#123456"\n', "name: String should match pattern"),
        ('name = "x-broken\nprimary = 1', "not valid TOML"),
        ('name = "x-broken"\nprimary = "#123456"\n[variables]\nrole-user = "nope"\n',
         "variables: role-user: 'nope' is not a colour"),
        # Every problem at once, so one edit fixes the file.
        ('name = "Bad Name"\nprimary = "#12345"\nbackgrund = "#000000"\n',
         "name: String should match pattern '^[a-z0-9][a-z0-9-]{1,47}$'; primary: '#12345' is not a colour "
         "(use #RRGGBB, rgb(…), or a colour name); backgrund: unknown field (a typo?)"),
    ],
)
def test_broken_theme_is_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "broken.toml"
    path.write_text(content)
    with pytest.raises(ThemeFileError) as caught:
        load_theme_file(path)
    message = str(caught.value)
    assert message.startswith(f"theme {path}: ") and expected in message
    assert "\n" not in message


async def test_user_theme_is_offered_and_a_broken_one_warns_and_falls_back(make_harness, isolated_user_dirs):
    user_themes = isolated_user_dirs / "config" / "themes"
    user_themes.mkdir(parents=True)
    (user_themes / "mine.toml").write_text('name = "my-theme"\nprimary = "#AA3366"\n')
    (user_themes / "typo.toml").write_text('name = "typo"\nprimary = "#AA3366"\ncolour = "red"\n')
    (isolated_user_dirs / "config" / "config.toml").write_text('theme = "no-such-theme"\n')
    h = make_harness()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert "my-theme" in h.app.available_themes
        assert "textual-light" in h.app.available_themes  # the built-ins are offered too
        assert h.app.theme == DEFAULT_THEME
        notices = h.notices()
        assert f"theme {user_themes / 'typo.toml'}: colour: unknown field (a typo?)" in notices
        assert "Theme 'no-such-theme' is not available (not bundled, not in the themes folder): using threadscope-dark." in notices


async def test_theme_choice_is_saved_in_the_config(make_harness):
    h = make_harness()
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        h.app.theme = "threadscope-light"
        await pilot.pause()
    assert resolve_settings().theme == "threadscope-light"
    again = make_harness()
    async with again.app.run_test(size=(120, 40)) as pilot:
        await again.settle(pilot)
        assert again.app.theme == "threadscope-light"


async def test_theme_change_recolours_the_roles(make_harness):
    from tui.emulator.demo import ORDER_BOT

    h = make_harness(open_thread=ORDER_BOT)
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        h.app.theme = "threadscope-high-contrast"
        await pilot.pause()
        from tui.widgets.message_list import MessageList

        styles = h.browser.query_one(MessageList).role_styles
        assert (styles["user"], styles["assistant"]) == ("bold #00FFFF", "bold #FFFF00")


@pytest.mark.parametrize("theme", ["threadscope-light", "threadscope-lantern"])
async def test_starting_in_a_theme_paints_what_switching_to_it_does(make_harness, theme):
    """The screen the app paints when it starts in a theme is the one a switch at run time gives."""
    from tui.emulator.demo import ORDER_BOT

    screens = []
    for start_in in (theme, DEFAULT_THEME):
        h = make_harness(open_thread=ORDER_BOT, theme=start_in)
        async with h.app.run_test(size=(120, 40)) as pilot:
            await h.settle(pilot)
            assert h.app.theme == start_in and h.app.has_class(f"-theme-{start_in}")
            if start_in != theme:
                h.app.theme = theme
                await h.settle(pilot)
            dark = h.app.current_theme.dark
            assert (h.app.has_class("-dark-mode"), h.app.has_class("-light-mode")) == (dark, not dark)
            assert [c for c in h.app.classes if c.startswith("-theme-")] == [f"-theme-{theme}"]
            screens.append(h.app.export_screenshot(title="t"))
    assert screens[0] == screens[1]


def _contrast(a: str, b: str) -> float:
    return contrast_ratio(Color.parse(a), Color.parse(b))


ROLES = ("role-user", "role-assistant", "role-system", "role-developer")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_theme_gives_each_role_its_own_readable_colour(path):
    data = tomllib.loads(path.read_text())
    colours = [data["variables"][role].upper() for role in ROLES]  # KeyError: a role without its colour
    assert len(set(colours)) == 4, dict(zip(ROLES, colours, strict=True))
    for role, colour in zip(ROLES, colours, strict=True):
        assert _contrast(colour, data["background"]) >= 4.5, (role, colour)  # WCAG AA for text


def test_built_in_themes_paint_four_roles_in_four_colours():
    from textual.app import App

    from tui.widgets.message_list import role_styles

    for name, theme in App().available_themes.items():
        styles = role_styles(theme)
        assert len(set(styles.values())) == 4, (name, styles)
