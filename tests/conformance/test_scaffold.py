"""``plugin new``: the generated distributions, installed as they are into a fresh virtual
environment, pass the conformance suite against the loopback server of their protocol;
so does the README's example. Bad input is one line on stderr and writes nothing."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from orchestify_core import scaffold

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def _venv(where: Path) -> Path:
    """A virtual environment that sees this one's packages (orchestify-core and its
    dependencies, installed editable) and installs its own on top."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "_orchestify_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n"
    )
    return python


def _readme_example(protocol: str, provider_type: str) -> str:
    """The README's conformance example, for ``protocol`` and ``provider_type``."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Writing a provider plugin") :]
    block = next(b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "Claims" in b)
    assert 'protocol = "openai"' in block
    assert '"type": "mistral"' in block
    return block.replace('protocol = "openai"', f'protocol = "{protocol}"').replace(
        '"type": "mistral"', f'"type": "{provider_type}"'
    )


def _run_suites(python: Path, project: Path, extra_test: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.Popen(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", str(extra_test)],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.mark.skipif(not UV.exists(), reason="needs uv beside the interpreter")
def test_generated_plugins_pass_the_suite(tmp_path: Path) -> None:
    """Both protocols: generate, install (editable, as an author would), run the generated
    conformance test and the README's example against the installed plugin."""
    projects = {
        "openai": scaffold.generate("mistral", "openai", tmp_path / "orchestify_mistral"),
        "anthropic": scaffold.generate("claudette", "anthropic", tmp_path / "orchestify_claudette"),
    }
    python = _venv(tmp_path / "venv")
    editable = [arg for project in projects.values() for arg in ("-e", str(project))]
    subprocess.run(
        [str(UV), "pip", "install", "--python", str(python), "--no-deps", "--quiet", *editable],
        check=True,
    )
    runs = {}
    for protocol, project in projects.items():
        example = tmp_path / f"test_readme_{protocol}.py"
        example.write_text(_readme_example(protocol, project.name.removeprefix("orchestify_")))
        runs[protocol] = _run_suites(python, project, example)
    for protocol, run in runs.items():
        output, _ = run.communicate(timeout=300)
        summary = output.strip().splitlines()[-1]
        assert run.returncode == 0, f"{protocol}: {output[-3000:]}"
        passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
        assert passed >= 60, summary  # the generated test and the README's, each a whole suite
        assert "failed" not in summary
        assert "error" not in summary


def test_generated_layout(tmp_path: Path) -> None:
    """The files of the contract's layout, with the names filled in and no placeholder."""
    target = scaffold.generate("acme_ai", "anthropic", tmp_path / "out")
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    modules = ["__init__", "_client", "_errors", "_messages", "_models", "_options",
               "_provider", "_request", "_response", "_sse", "_stream", "_tokens", "plugin"]  # fmt: skip
    assert files == sorted(
        ["CHANGELOG.md", "README.md", "pyproject.toml", "tests/test_acme_ai_conformance.py"]
        + [f"orchestify_acme_ai/{m}.py" for m in modules]
    )
    pyproject = (target / "pyproject.toml").read_text()
    assert 'acme_ai = "orchestify_acme_ai.plugin"' in pyproject
    assert 'name = "orchestify-acme-ai"' in pyproject
    for path in target.rglob("*"):
        if path.is_file():
            assert "__" + "NAME" not in path.read_text()
            assert "__CLASS__" not in path.read_text()
    assert "class AcmeAiOptions" in (target / "orchestify_acme_ai" / "_options.py").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "Mistral", "--protocol", "openai"], "plugin name 'Mistral': use lower-case"),
        (["new", "class", "--protocol", "openai"], "plugin name 'class'"),
        (["new", "ok", "--protocol", "openai", "--dir", "{busy}"], "is not an empty directory"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    argv = [a.replace("{busy}", str(busy)) for a in argv]
    before = sorted(tmp_path.rglob("*"))
    assert scaffold.main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert message in error
    assert sorted(tmp_path.rglob("*")) == before
    assert (busy / "keep.txt").read_text() == "mine"


def test_unknown_protocol_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        scaffold.main(["new", "ok", "--protocol", "grpc"])
    assert info.value.code == 2
    assert "invalid choice: 'grpc'" in capsys.readouterr().err


def test_add_parser_wires_plugin_new(tmp_path: Path) -> None:
    """What a CLI does with it: ``plugin new`` parsed, then ``args.scaffold_run(args)``."""
    parser = argparse.ArgumentParser(prog="orchestify")
    scaffold.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["plugin", "new", "zed", "--protocol", "openai", "--dir", str(tmp_path / "z")]
    )
    assert args.scaffold_run is scaffold.run
    assert scaffold.run(args) == 0
    assert (tmp_path / "z" / "orchestify_zed" / "plugin.py").exists()
