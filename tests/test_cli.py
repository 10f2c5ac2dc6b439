"""The command line entry point."""

from __future__ import annotations

from typer.testing import CliRunner

from geoinvert.cli import app


def test_version_command():
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0, result.output
    assert "geoinvert" in result.output
