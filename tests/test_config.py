"""Config validation: the messages name the file, the key and what is allowed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from runtime import config
from runtime.config import ConfigError, load, validate

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "venue.toml"
    p.write_text(text)
    return p


def test_default_file_is_valid_and_documents_the_defaults():
    raw = tomllib.loads((CONFIG_DIR / "default.toml").read_text())
    # every key the default file writes is the schema's own default
    assert validate(raw, "default.toml") == config.defaults()


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIG_DIR.glob("*.toml")))
def test_every_shipped_config_is_valid(name):
    load(CONFIG_DIR / name)


def test_unknown_key_names_file_key_and_allowed(tmp_path):
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, "[window]\nmod = 'fullscreen'\n"))
    msg = str(err.value)
    assert "venue.toml" in msg and "'mod'" in msg and "did you mean 'mode'" in msg
    assert "allowed:" in msg and "overlay" in msg


def test_unknown_section(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'windw'.*did you mean 'window'"):
        load(write(tmp_path, "[windw]\n"))


def test_wrong_type_and_choices(tmp_path):
    with pytest.raises(ConfigError, match=r"'crossfade' is 'slow', but it must be"):
        load(write(tmp_path, "[show]\ncrossfade = 'slow'\n"))
    with pytest.raises(ConfigError, match=r"'mode' is 'tv'; allowed: 'windowed', 'fullscreen', 'headless'"):
        load(write(tmp_path, "[window]\nmode = 'tv'\n"))
    with pytest.raises(ConfigError, match=r"\[cameras.door\].*'rotate' is 45; allowed: 0, 90, 180, 270"):
        load(write(tmp_path, "[cameras.door]\nspec = 'camera:1'\nrotate = 45\n"))
    with pytest.raises(ConfigError, match=r"'update_rate' is 0"):
        load(write(tmp_path, "[show]\nupdate_rate = 0\n"))


def test_bool_is_not_a_number(tmp_path):
    with pytest.raises(ConfigError, match="crossfade"):
        load(write(tmp_path, "[show]\ncrossfade = true\n"))


def test_playlist_rows_are_checked(tmp_path):
    cfg = load(write(tmp_path, "[[show.playlist]]\nscene = 'testcard'\nseconds = 5\n"))
    assert cfg["show"]["playlist"] == [{"scene": "testcard", "seconds": 5}]
    with pytest.raises(ConfigError, match=r"playlist\[0\] needs the key 'scene'"):
        load(write(tmp_path, "[[show.playlist]]\nseconds = 5\n"))


def test_named_cameras_get_defaults(tmp_path):
    cfg = load(write(tmp_path, "[cameras.door]\nspec = 'camera:1'\nmirror = true\n"))
    assert set(cfg["cameras"]) == {"main", "door"}
    assert cfg["cameras"]["door"]["mirror"] is True and cfg["cameras"]["door"]["fps"] == 30.0
    assert cfg["cameras"]["main"]["spec"] == "auto"


def test_overrides(tmp_path):
    cfg = load(write(tmp_path, ""), ["window.mode=headless", "window.size=[320, 180]", "show.crossfade=0.5"])
    assert cfg["window"]["mode"] == "headless" and cfg["window"]["size"] == [320, 180]
    with pytest.raises(ConfigError, match="'mode' is 'nope'"):
        load(write(tmp_path, ""), ["window.mode=nope"])


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(write(tmp_path, "[show\n"))
    with pytest.raises(ConfigError, match="nowhere.toml: config file not found"):
        load(tmp_path / "nowhere.toml")
