"""FaultProfile: defaults, TOML loading with named errors, command-line overrides, shipped profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.errors import CommandError
from bot.app.simulator import sim_config
from bot.sim import FaultProfile, FaultProfileError, apply_assignments, load_fault_profile, load_sim_config
from bot.sim.fault_profile import parse_assignments, route_key

PROFILES = Path(__file__).resolve().parents[3] / "configs" / "faults"


def write(tmp_path: Path, text: str, name: str = "faults.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_knob_is_off_by_default() -> None:
    profile = FaultProfile()
    assert profile.latency_range_ms("GET /api/v2/ticker") == (0, 0)
    ratios = [value for name, value in profile if name.endswith(("_ratio", "probability"))]
    assert ratios and all(value == 0 for value in ratios)
    assert not profile.enforce_rate_limits and not profile.frozen_feed
    assert profile.freeze_after_s is None and profile.ws_disconnect_every_s is None
    assert profile.clock_skew_ms == 0 and profile.open_orders_visibility_delay_ms == 0


@pytest.mark.parametrize("name", ["calm", "retry-storm", "flaky-submit", "stale-feed", "ws-chaos"])
def test_shipped_profiles_load(name: str) -> None:
    profile = load_fault_profile(PROFILES / f"{name}.toml")
    assert (profile == FaultProfile()) is (name == "calm")


def test_shipped_profiles_say_what_they_promise() -> None:
    storm = load_fault_profile(PROFILES / "retry-storm.toml")
    assert storm.enforce_rate_limits and storm.http_429_ratio == 0.2 and storm.http_5xx_ratio == 0.1
    assert storm.latency_range_ms("POST /api/v1/order") == (5, 30)
    flaky = load_fault_profile(PROFILES / "flaky-submit.toml")
    assert flaky.submit_response_delay_s > 2 and flaky.open_orders_visibility_delay_ms == 300
    assert 0 < flaky.never_visible_ratio < 0.1 and flaky.submit_drop_response_ratio == 0.3
    stale = load_fault_profile(PROFILES / "stale-feed.toml")
    assert stale.frozen_feed or stale.freeze_after_s is not None
    chaos = load_fault_profile(PROFILES / "ws-chaos.toml")
    assert (chaos.ws_disconnect_every_s, chaos.ws_stall_probability) == (2, 0.1)


def test_latency_keys_are_normalised_and_checked(tmp_path: Path) -> None:
    profile = load_fault_profile(
        write(tmp_path, 'latency_ms = { default = [1, 2], "post /API/v1/Order" = [10, 20] }\n')
    )
    assert profile.latency_range_ms("POST /api/v1/order") == (10, 20)
    assert profile.latency_range_ms("GET /api/v2/ticker") == (1, 2)
    assert route_key("get", "/API/v1/order/123") == "GET /api/v1/order/{orderid}"
    with pytest.raises(FaultProfileError, match=r"faults\.toml: latency_ms: .*min <= max"):
        load_fault_profile(write(tmp_path, "latency_ms = { default = [20, 10] }\n"))
    with pytest.raises(FaultProfileError, match="METHOD /path"):
        load_fault_profile(write(tmp_path, 'latency_ms = { "ticker" = [1, 2] }\n'))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("http_429_ratio = 1.5\n", "http_429_ratio"),
        ("no_such_knob = true\n", "no_such_knob"),
        ("retry_after_s = -1\n", "retry_after_s"),
        ("ws_stall_probability = -0.1\n", "ws_stall_probability"),
        ("frozen_feed = \n", "invalid TOML"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, named: str) -> None:
    path = write(tmp_path, text, "broken.toml")
    with pytest.raises(FaultProfileError) as error:
        load_fault_profile(path)
    assert str(path) in str(error.value) and named in str(error.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FaultProfileError, match=r"nothing\.toml: cannot read"):
        load_fault_profile(tmp_path / "nothing.toml")


def test_assignments_are_toml_values_with_dotted_keys() -> None:
    changes = parse_assignments(
        [
            "http_429_ratio=0.25",
            "frozen_feed=true",
            'latency_ms."POST /api/v1/order"=[100, 200]',
            "latency_ms.default=[1,2]",
        ]
    )
    assert changes == {
        "http_429_ratio": 0.25,
        "frozen_feed": True,
        "latency_ms": {"POST /api/v1/order": [100, 200], "default": [1, 2]},
    }
    profile = apply_assignments(FaultProfile(latency_ms={"default": (5, 6)}), ['latency_ms."GET /x"=[1,1]'])
    assert profile.latency_ms == {"default": (5, 6), "GET /x": (1, 1)}


@pytest.mark.parametrize(
    ("assignment", "named"),
    [("http_5xx_ratio=2", "http_5xx_ratio"), ("nope=1", "nope"), ("no-equals", "KEY=VALUE")],
)
def test_bad_assignments_name_the_key(assignment: str, named: str) -> None:
    with pytest.raises(FaultProfileError, match=named):
        apply_assignments(FaultProfile(), [assignment])


def test_sim_config_reads_a_faults_table(tmp_path: Path) -> None:
    config = load_sim_config(write(tmp_path, "seed = 3\n[faults]\nhttp_5xx_ratio = 0.5\n", "sim.toml"))
    assert config.faults.http_5xx_ratio == 0.5
    with pytest.raises(ValueError, match=r"faults\.bogus"):
        load_sim_config(write(tmp_path, "[faults]\nbogus = 1\n", "sim.toml"))


def test_command_line_profile_then_overrides(tmp_path: Path) -> None:
    base = write(tmp_path, "[faults]\nhttp_5xx_ratio = 0.5\nclock_skew_ms = 7\n", "sim.toml")
    config = sim_config(
        base,
        port=None,
        speed=None,
        seed=None,
        faults_path=PROFILES / "retry-storm.toml",
        fault_assignments=["http_5xx_ratio=0", "retry_after_s=3"],
    )
    assert config.faults.enforce_rate_limits and config.faults.http_429_ratio == 0.2
    assert (config.faults.http_5xx_ratio, config.faults.retry_after_s) == (0, 3)
    assert config.faults.clock_skew_ms == 0  # --faults replaces the config's [faults]
    kept = sim_config(base, port=None, speed=None, seed=None, fault_assignments=["frozen_feed=true"])
    assert kept.faults.http_5xx_ratio == 0.5 and kept.faults.frozen_feed
    with pytest.raises(CommandError, match="http_429_ratio"):
        sim_config(None, port=None, speed=None, seed=None, fault_assignments=["http_429_ratio=x"])


def test_a_fault_profile_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "faults.toml"
    path.write_bytes(b'# caf\xe9\nhttp_429_ratio = "0.1"\n')
    with pytest.raises(FaultProfileError, match=r"byte 5 is not UTF-8 \(0xe9\)"):
        load_fault_profile(path)
