"""Bad scalars and bad prices: one clear ConfigError at the key's line, never a traceback."""

from __future__ import annotations

import decimal
from pathlib import Path

import pytest

from orchestify_core import ConfigError, ProviderConfig, loads_config
from orchestify_core.cli import main

BASE = "providers:\n  main:\n    type: scripted\n    default_model: m\n"


def error_of(text: str, **environ: str) -> str:
    with pytest.raises(ConfigError) as info:
        loads_config(text, file="c.yaml", environ=environ)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("price", "key"),
    [
        ("'1e999999999'", "input"),
        ("1e999", "input"),
        ("'NaN'", "input"),
        (".nan", "input"),
        ("'Infinity'", "input"),
        (".inf", "input"),
        ("-1", "input"),
        ("'-0.5'", "input"),
        ("1000001", "input"),
        ("'1e7'", "input"),
        ("abc", "input"),
        ("true", "input"),
        ("[1]", "input"),
    ],
)
def test_bad_price_is_refused_at_its_key(price: str, key: str) -> None:
    """Overflowing, NaN, infinite, negative or absurd prices are refused at load."""
    text = BASE + f"    prices:\n      m1: {{{key}: {price}, output: 1}}\n"
    message = error_of(text)
    assert message.startswith(f"c.yaml:6: providers.main.prices.m1.{key}: expected a price")
    assert "from 0 to 1000000 (USD per million tokens)" in message


@pytest.mark.parametrize("key", ["output", "cache_read", "cache_write"])
def test_every_price_field_is_checked(key: str) -> None:
    """Each of input, output, cache_read and cache_write is checked."""
    prices = {"input": "1", "output": "1", key: "'1e999999999'"}
    body = ", ".join(f"{k}: {v}" for k, v in prices.items())
    assert error_of(BASE + f"    prices:\n      m1: {{{body}}}\n").startswith(
        f"c.yaml:6: providers.main.prices.m1.{key}: expected a price"
    )


def test_absurdly_small_price_is_refused() -> None:
    """A price below 1e-18 (an exponent the Decimal context cannot hold) is refused."""
    message = error_of(BASE + "    prices:\n      m1: {input: '1e-999999999', output: 1}\n")
    assert message.startswith("c.yaml:6: providers.main.prices.m1.input: price too small")


def test_price_from_a_variable_is_checked() -> None:
    """A ${VAR} price is checked like a written one."""
    message = error_of(BASE + "    prices:\n      m1: {input: '${P}', output: 1}\n", P="nan")
    assert message.startswith("c.yaml:6: providers.main.prices.m1.input: expected a price")


def test_largest_price_computes_a_cost() -> None:
    """At the cap, the cost of a huge usage is still a finite Decimal (no decimal.Overflow)."""
    text = (
        BASE
        + "    prices:\n      m1: {input: 1000000, output: '1e6', cache_read: 0, cache_write: 0.000001}\n"
    )
    provider = loads_config(text).providers.providers["main"]
    price = provider.price_override("m1")
    assert price is not None
    with decimal.localcontext() as context:
        context.traps[decimal.Overflow] = True
        cost = price.input_per_mtok * 10**18 + price.output_per_mtok * 10**18
    assert cost.is_finite()


def test_check_command_catches_a_bad_price(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`orchestify check` refuses the config with exit status 2 and the one-line error."""
    path = tmp_path / "orchestify.yaml"
    path.write_text(BASE + "    prices:\n      m1: {input: '1e999999999', output: 1}\n")
    assert main(["check", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6: providers.main.prices.m1.input: expected a price" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("max_tokens: " + "9" * 5000, "providers.main.max_tokens: integer too large (5000 digits, at most 18)"),
        ("max_tokens: 1234567890123456789", "providers.main.max_tokens: integer too large (19 digits, at most 18)"),
        ("max_tokens: -" + "1" * 4400, "providers.main.max_tokens: integer too large"),
        ("max_tokens: 0x" + "f" * 30, "providers.main.max_tokens: integer too large"),
        ("max_tokens: !!int abc", "providers.main.max_tokens: 'abc' is not a valid !!int"),
        ("max_tokens: !!int 1.5", "providers.main.max_tokens: '1.5' is not a valid !!int"),
        ("timeout: !!float abc", "providers.main.timeout: 'abc' is not a valid !!float"),
        ("timeout: !!float 1:30", "providers.main.timeout: '1:30' is not a valid !!float"),
        ("timeout: 1:30", "providers.main.timeout: expected float"),
        ("timeout: .inf", "providers.main.timeout: expected a finite number"),
        ("timeout: .nan", "providers.main.timeout: expected a finite number"),
        ("timeout: 1e999", "providers.main.timeout: expected a finite number"),
        ("organization: !!null x", "providers.main.organization: 'x' is not a valid !!null"),
        ("max_tokens: !!bool maybe", "providers.main.max_tokens: 'maybe' is not a valid !!bool"),
    ],
)  # fmt: skip
def test_bad_scalar_is_one_error(line: str, expected: str) -> None:
    """Each bad scalar is one ConfigError with file, line and key path; no raw ValueError."""
    assert error_of(BASE + f"    {line}\n").startswith(f"c.yaml:5: {expected}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9" * 5000, "integer too large (at most 18 digits)"),
        ("1234567890123456789", "integer too large (at most 18 digits)"),
        ("lots", "expected int"),
    ],
)
def test_bad_integer_from_a_variable_is_one_error(value: str, expected: str) -> None:
    """A ${VAR} integer is bounded too (Python's 4,300-digit limit never surfaces)."""
    message = error_of(BASE + "    max_tokens: ${N}\n", N=value)
    assert message == f"c.yaml:5: providers.main.max_tokens: {expected}"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999"])
def test_non_finite_number_from_a_variable_is_refused(value: str) -> None:
    """timeout: ${T} with T=nan is refused, not a call that never times out."""
    message = error_of(BASE + "    timeout: ${T}\n", T=value)
    assert message == "c.yaml:5: providers.main.timeout: expected a finite number"


def test_huge_integers_from_python_are_refused() -> None:
    """A config built from Python arguments is bounded the same way."""
    from orchestify_core.config import parse_config

    with pytest.raises(ConfigError, match="max_tokens: integer too large"):
        parse_config([({"providers": {"p": {"type": "scripted", "default_model": "m",
                                            "max_tokens": 10**5000}}}, {})])  # fmt: skip
    with pytest.raises(ConfigError, match=r"prices\.m\.input: expected a price"):
        parse_config([({"providers": {"p": {"type": "scripted", "default_model": "m",
                                            "prices": {"m": {"input": 10**5000, "output": 1}}}}}, {})])  # fmt: skip
    with pytest.raises(ConfigError, match="timeout: expected float"):
        parse_config([({"providers": {"p": {"type": "scripted", "default_model": "m",
                                            "timeout": 10**400}}}, {})])  # fmt: skip


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "Yes", "OFF", "y", "n"])
def test_yaml_1_1_booleans_are_refused_not_misread(word: str) -> None:
    """thinking: yes is a string in YAML 1.2: refused with the reason, never read as False."""
    text = BASE + f"agents:\n  a:\n    provider: main\n    thinking: {word}\n"
    assert error_of(text) == (
        f"c.yaml:8: agents.a.thinking: expected true or false ({word!r} is a string in YAML 1.2)"
    )


@pytest.mark.parametrize(
    ("written", "value"),
    [("true", True), ("True", True), ("FALSE", False), ("!!bool true", True), ("'false'", False)],
)
def test_yaml_1_2_booleans_load(written: str, value: bool) -> None:
    """The YAML 1.2 booleans (and the strings true/false) load as booleans."""
    text = BASE + f"agents:\n  a:\n    provider: main\n    thinking: {written}\n"
    assert loads_config(text).agents.agents["a"].thinking is value


@pytest.mark.parametrize(
    ("written", "value"),
    [("0777", 777), ("1_000", 1000), ("0o17", 15), ("0x1F", 31), ("+12", 12), ("!!int 42", 42),
     ("999999999999999999", 999999999999999999)],
)  # fmt: skip
def test_integers_follow_yaml_1_2(written: str, value: int) -> None:
    """0777 is decimal (YAML 1.2), not octal; 18 digits is the most."""
    text = BASE + f"    max_tokens: {written}\n"
    assert loads_config(text).providers.providers["main"].max_tokens == value


def test_good_floats_load() -> None:
    """Plain, exponent and tagged floats load."""
    for written, value in [("1.5e2", 150.0), ("!!float 2", 2.0), ("30", 30.0), (".5", 0.5)]:
        text = BASE + f"    timeout: {written}\n"
        assert loads_config(text).providers.providers["main"].timeout == value


def test_provider_config_built_directly_keeps_working() -> None:
    """Constructing ProviderConfig in Python needs no new argument."""
    config = ProviderConfig(type="scripted", default_model="m", max_tokens=10)
    assert config.max_tokens == 10
