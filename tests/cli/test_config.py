"""Settings precedence, profiles, and clear one-line errors for a bad config file."""

import os

import pytest

from tui.config import ConfigError, Environment, resolve_settings, save_preference


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


def test_environment_names_in_any_case_the_upper_case_spelling_winning():
    env = Environment.read({"dashscope_workspace": "ws-lower", "Dashscope_Http_Base_Url": "http://127.0.0.1:8000",
                            "THREADSCOPE_PROFILE": "work", "threadscope_profile": "other",
                            "dashscope_api_key": "sk-lower", "DASHSCOPE_API_KEY": "sk-upper", "UNRELATED": "x"})
    assert env.dashscope_workspace == "ws-lower"
    assert env.dashscope_http_base_url == "http://127.0.0.1:8000"
    assert env.threadscope_profile == "work"
    assert env.dashscope_api_key.get_secret_value() == "sk-upper"
    assert "sk-upper" not in repr(env)  # the key stays a SecretStr
    assert Environment.read({}) == Environment()


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
        ('[profiles.a]\nregion = "eu"\n', "config.toml: profiles.a.region: Input should be 'intl' or 'cn'"),
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
