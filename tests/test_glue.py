"""``inal_tutorial.glue`` writes the output myst-nb's glue writes, with or without myst-nb."""

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import inal_tutorial as it
from inal_tutorial import _glue


@pytest.fixture(autouse=True)
def shell():
    """A shell whose display publisher the captures read (as in a notebook kernel)."""
    return InteractiveShell.instance()


def _glued(value, display):
    with capture_output() as captured:
        it.glue("answer", value, display=display)
    (output,) = captured.outputs
    return output.data, output.metadata


@pytest.mark.parametrize("display", [False, True])
def test_fallback_writes_myst_nbs_bundle(monkeypatch, display):
    myst_nb = pytest.importorskip("myst_nb", reason="the book toolchain (myst-nb) is not "
                                  "installed, so there is nothing to compare with")
    with capture_output() as captured:
        myst_nb.glue("answer", 0.125, display=display)
    (reference,) = captured.outputs
    monkeypatch.setitem(sys.modules, "myst_nb", None)       # as on Binder or Colab
    data, metadata = _glued(0.125, display)
    assert data == reference.data and metadata == reference.metadata
    prefix = "" if display else _glue.GLUE_PREFIX
    assert data == {prefix + "text/plain": "0.125"}
    assert metadata["scrapbook"] == {"name": "answer", "mime_prefix": prefix}


def test_bad_name():
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        it.glue("", 1.0)
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        it.glue(3, 1.0)
