"""Settings precedence, profiles, and clear one-line errors for a bad config file."""

import os

import pytest

from tui.config import ConfigError, Environment, resolve_settings, save_preference, unknown_keymap_ids


def write_config(text: str):
    path = os.path.join(os.environ["THREADSCOPE_CONFIG_DIR"], "config.toml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def test_no_key_no_url_is_the_embedded_emulator():
    settings = resolve_settings()
    assert settings.embedded
    assert settings.backend_label == "embedded emulator (demo data)"


def test_environment_names_in_any_case_an_empty_one_unset(monkeypatch):
    # Deliberate change with pydantic-settings: names match in any case (its documented
    # rule); when two spellings of one name are set, which wins is no longer promised.
    for name, value in {"dashscope_workspace": "ws-lower", "Dashscope_Http_Base_Url": "http://127.0.0.1:8000",
                        "THREADSCOPE_PROFILE": "work", "DASHSCOPE_API_KEY": "sk-upper",
                        "DASHSCOPE_COMPAT_BASE_URL": "", "UNRELATED": "x"}.items():
        monkeypatch.setenv(name, value)
    env = Environment()
    assert env.dashscope_workspace == "ws-lower"
    assert env.dashscope_http_base_url == "http://127.0.0.1:8000"
    assert env.threadscope_profile == "work"
    assert env.dashscope_api_key.get_secret_value() == "sk-upper"
    assert env.dashscope_compat_base_url is None
    assert "sk-upper" not in repr(env)  # the key stays a SecretStr


def test_precedence_command_line_over_environment_over_profile(monkeypatch):
    write_config(
        'default_profile = "work"\n'
        '[profiles.work]\nregion = "cn"\nworkspace = "ws-profile"\napi_key_env = "WORK_KEY"\n'
    )
    monkeypatch.setenv("WORK_KEY", "sk-fromprofileenv")
    settings = resolve_settings()
    assert (settings.region, settings.workspace, settings.profile) == ("cn", "ws-profile", "work")
    assert settings.api_key.get_secret_value() == "sk-fromprofileenv"
    assert settings.backend_label == "DashScope cn (dashscope.aliyuncs.com)"

    monkeypatch.setenv("DASHSCOPE_WORKSPACE", "ws-env")
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-fromenvironment")
    settings = resolve_settings()
    assert settings.workspace == "ws-env"
    assert settings.api_key.get_secret_value() == "sk-fromenvironment"

    settings = resolve_settings(workspace="ws-cli", region="intl", api_key="sk-fromcli")
    assert (settings.workspace, settings.region) == ("ws-cli", "intl")
    assert settings.api_key.get_secret_value() == "sk-fromcli"
    assert "sk-fromcli" not in repr(settings)


def test_custom_base_url_from_the_sdk_variable(monkeypatch):
    monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", "http://127.0.0.1:8765/api/v1")
    settings = resolve_settings()
    assert not settings.embedded
    assert settings.backend_kind == "custom"
    assert settings.request_key() == "local"  # a loopback emulator needs some bearer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("page_size = 500\n", "config.toml: page_size: Input should be less than or equal to 100"),
        ("page_size = 'lots'\n", 'config.toml: page_size: Input should be a number from 1 to 100, or "auto"'),
        ("page_size = true\n", 'config.toml: page_size: Input should be a number from 1 to 100, or "auto"'),
        ('[profiles.a]\nregion = "eu"\n', "config.toml: profiles.a.region: Input should be 'intl' or 'cn'"),
        ("[keymap]\nnext_page = 1\n",
         'config.toml: keymap.next_page: Input should be keys as a string ("right,l") or a list of strings'),
        ("[profiles.a\n", "config.toml: not valid TOML"),
        ('[profiles.a]\nregoin = "cn"\n', "config.toml: profiles.a.regoin: Extra inputs are not permitted"),
    ],
)
def test_bad_config_file_is_one_clear_line(text, expected):
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        resolve_settings()
    message = str(info.value)
    assert message.startswith(path)
    assert expected in message
    assert "\n" not in message


def test_page_size_is_auto_unless_a_number_is_given():
    assert resolve_settings().page_size == "auto"
    write_config("page_size = 30\n")
    assert resolve_settings().page_size == 30


def test_unknown_profile_names_the_known_ones():
    write_config('[profiles.work]\n[profiles.home]\n')
    with pytest.raises(ConfigError, match=r"profiles.play: no such profile \(known: home, work\)"):
        resolve_settings(profile="play")


def test_key_in_a_world_readable_config_warns():
    path = write_config('default_profile = "p"\n[profiles.p]\napi_key = "sk-inthefile123456"\n')
    os.chmod(path, 0o644)
    settings = resolve_settings()
    assert settings.api_key.get_secret_value() == "sk-inthefile123456"
    assert any("chmod 600" in w for w in settings.warnings)
    assert all("sk-inthefile123456" not in w for w in settings.warnings)


def test_save_preference_keeps_the_rest_of_the_file():
    write_config('page_size = 50\n\n[profiles.work]\nregion = "cn"\n')
    settings = resolve_settings()
    save_preference(settings, "theme", "threadscope-light")
    save_preference(settings, "theme", "nord")
    again = resolve_settings(profile="work")
    assert (again.theme, again.page_size, again.region) == ("nord", 50, "cn")


def test_a_bad_config_reports_every_problem_on_one_line():
    path = write_config('page_size = 500\nauto_refresh = -1\n[profiles.a]\nregion = "eu"\nregoin = "cn"\n')
    with pytest.raises(ConfigError) as info:
        resolve_settings()
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    for problem in ("page_size: Input should be less than or equal to 100",
                    "auto_refresh: Input should be greater than or equal to 0",
                    "profiles.a.region: Input should be 'intl' or 'cn'",
                    "profiles.a.regoin: Extra inputs are not permitted"):
        assert problem in message
    assert "\n" not in message


def test_saving_a_preference_keeps_comments_layout_multi_line_values_and_the_file_mode():
    original = (
        "# my threadscope settings\n"
        'theme = """\n'
        'threadscope-light"""\n'
        "page_size = 50  # rows per page\n"
        "\n"
        "[keymap]\n"
        "next_page = [\n"
        '  "right",  # the arrow\n'
        '  "l",\n'
        "]\n"
        "\n"
        "[profiles.work]\n"
        'region = "cn"\n'
        'api_key = "sk-inthefile123456"\n'
    )
    path = write_config(original)  # mode 600: it holds a key
    settings = resolve_settings()
    assert (settings.theme, settings.keymap) == ("threadscope-light", {"next_page": "right,l"})
    save_preference(settings, "theme", "nord")
    text = open(path).read()
    # Only the theme's value changed; every other line, comments included, is as the user wrote it.
    assert text == original.replace('"""\nthreadscope-light"""', '"nord"')
    assert os.stat(path).st_mode & 0o777 == 0o600
    again = resolve_settings(profile="work")
    assert (again.theme, again.page_size, again.region, again.keymap) == ("nord", 50, "cn", {"next_page": "right,l"})


def test_saving_into_a_new_file_creates_it_private(monkeypatch):
    settings = resolve_settings()
    save_preference(settings, "theme", "nord")
    assert os.stat(settings.config_path).st_mode & 0o777 == 0o600
    assert open(settings.config_path).read() == 'theme = "nord"\n'


def test_compatible_base_url_from_flag_environment_profile_or_region(monkeypatch):
    intl, cn = ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                "https://dashscope.aliyuncs.com/compatible-mode/v1")
    assert resolve_settings().effective_compat_base_url == "http://embedded.threadscope/compatible-mode/v1"
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-test0123456789")
    assert resolve_settings().effective_compat_base_url == intl
    assert resolve_settings(region="cn").effective_compat_base_url == cn
    # Only --base-url, ending in /api/v1: same origin, so one `threadscope serve` covers both families.
    assert resolve_settings(base_url="http://127.0.0.1:8765/api/v1/").effective_compat_base_url == (
        "http://127.0.0.1:8765/compatible-mode/v1")
    # A custom base of another shape: unknown, not guessed (conversation calls then say so).
    assert resolve_settings(base_url="https://proxy.example/v2").effective_compat_base_url is None
    write_config('default_profile = "p"\n[profiles.p]\ncompat_base_url = "https://profile.example/compatible-mode/v1"\n')
    assert resolve_settings(base_url="http://127.0.0.1:8765/api/v1").effective_compat_base_url == (
        "https://profile.example/compatible-mode/v1")
    monkeypatch.setenv("DASHSCOPE_COMPAT_BASE_URL", "https://env.example/compatible-mode/v1")
    assert resolve_settings().effective_compat_base_url == "https://env.example/compatible-mode/v1"
    flag = resolve_settings(compat_base_url="https://flag.example/compatible-mode/v1/")
    assert flag.effective_compat_base_url == "https://flag.example/compatible-mode/v1"
    assert resolve_settings(compat_base_url=intl).compat_base_url is None  # the region's own: nothing custom


def test_only_a_compatible_base_url_is_not_the_embedded_demo():
    settings = resolve_settings(compat_base_url="http://127.0.0.1:8765/compatible-mode/v1")
    assert not settings.embedded
    assert settings.request_key() == "local"  # a loopback emulator needs some bearer


@pytest.mark.parametrize(
    ("options", "host"),
    [
        ({"base_url": "http://api.example.com/api/v1"}, "api.example.com"),
        ({"base_url": "HTTP://10.0.0.5:8765/api/v1"}, "10.0.0.5"),
        ({"compat_base_url": "http://conv.example.com/compatible-mode/v1"}, "conv.example.com"),
    ],
)
def test_a_key_bound_for_plain_http_on_another_host_warns(options, host):
    settings = resolve_settings(api_key="sk-secret0123456789", **options)
    lines = [w for w in settings.warnings if "unencrypted" in w]
    assert len(lines) == 1
    assert lines[0] == (f"the API key would be sent unencrypted to {host} (plain http://): use https://, "
                        "or a loopback address for a local emulator")
    assert "sk-secret0123456789" not in " ".join(settings.warnings)


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "https://api.example.com/api/v1", "api_key": "sk-secret0123456789"},
        {"base_url": "http://127.0.0.1:8765/api/v1", "api_key": "sk-secret0123456789"},
        {"base_url": "http://[::1]:8765/api/v1", "api_key": "sk-secret0123456789"},
        {"base_url": "http://localhost:8765/api/v1", "api_key": "sk-secret0123456789"},
        {"base_url": "http://api.example.com/api/v1"},  # no key: nothing to leak
        {"api_key": "sk-secret0123456789"},  # DashScope itself, over https
        {"demo": True, "api_key": "sk-secret0123456789", "base_url": "http://api.example.com/api/v1"},
    ],
)
def test_no_plain_http_warning_when_the_key_is_safe(options):
    assert not [w for w in resolve_settings(**options).warnings if "unencrypted" in w]


def test_unknown_keymap_ids_are_named():
    write_config('[keymap]\nnext_page = "right"\nnxt_page = "l"\nbogus = "x"\n')
    settings = resolve_settings()
    line = unknown_keymap_ids(settings, {"next_page", "prev_page"})
    assert line == (f"{settings.config_path}: keymap: no key binding has the id bogus, nxt_page (ignored); "
                    "press ? to see the ids")
    assert unknown_keymap_ids(settings, {"next_page", "nxt_page", "bogus"}) is None


def test_the_command_line_warns_before_a_key_goes_out_over_plain_http():
    from click.testing import CliRunner

    from tui.cli import main

    # `messages update` without metadata stops before any request: nothing is sent anywhere.
    result = CliRunner().invoke(main, [
        "--api-key", "sk-secret0123456789", "--base-url", "http://api.example.com/api/v1",
        "--compat-base-url", "http://conv.example.com/compatible-mode/v1", "messages", "update", "thread_x", "message_y",
    ])
    assert result.exit_code == 2
    assert "warning: the API key would be sent unencrypted to api.example.com (plain http://)" in result.stderr
    assert "warning: the API key would be sent unencrypted to conv.example.com (plain http://)" in result.stderr
    assert "sk-secret0123456789" not in result.output + result.stderr


async def test_the_api_key_option_warning_is_shown_in_the_tui(make_harness):
    settings = resolve_settings(api_key="sk-secret0123456789", demo=True)
    assert settings.warnings == ["--api-key lands in your shell history; prefer DASHSCOPE_API_KEY or a profile's api_key_env"]
    h = make_harness()
    h.app.settings.warnings = settings.warnings
    async with h.app.run_test(size=(120, 40)) as pilot:
        await h.settle(pilot)
        assert settings.warnings[0] in h.notices()
