"""derive.files: what a user or a problem file names is read safely (issue 9: paths, devices, FIFOs, size)."""
from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest

from derive import files
from derive.check import load_problems
from derive.errors import DeriveError, InputError, LimitError
from derive.problems import load, solve

NET = 'input = [3, 32, 32]\n[[layers]]\ntype = "conv2d"\nout_channels = 4\nkernel_size = 3\n'


def test_reads_a_regular_file(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("$$ v_1 = 3 $$\n", encoding="utf-8")
    assert files.read_text(f, "solution file") == "$$ v_1 = 3 $$\n"


@pytest.mark.parametrize("make, needle", [
    (lambda d: d / "missing.md", "not found"),
    (lambda d: d, "directory"),
    (lambda d: Path("/dev/zero"), "device"),
    (lambda d: Path("/dev/null"), "device"),
])
def test_refuses_what_is_not_a_regular_file(tmp_path, make, needle):
    with pytest.raises(InputError, match=needle):
        files.read_text(make(tmp_path), "solution file")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    box: list = []
    t = threading.Thread(target=lambda: box.append(pytest.raises(InputError, files.read_text, fifo, "spec file")),
                         daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "opening a FIFO blocked"
    assert "FIFO" in str(box[0].value)


def test_size_limit_before_reading(tmp_path):
    f = tmp_path / "big.toml"
    f.write_bytes(b"#" * 1001)
    with pytest.raises(LimitError, match="1001 bytes, over the limit of 1000"):
        files.read_text(f, "problem file", limit=1000)
    assert files.read_text(f, "problem file", limit=1001).startswith("#")


@pytest.mark.parametrize("data, needle", [(b"ok\n\xff\xfe", "not UTF-8 text .*line 2"),
                                          (b"a\nb\x00c", "NUL byte .*line 2")])
def test_binary_is_refused_with_its_position_not_its_content(tmp_path, data, needle):
    f = tmp_path / "x.md"
    f.write_bytes(data)
    with pytest.raises(InputError, match=needle) as exc:
        files.read_text(f, "solution file")
    assert "b\x00c" not in str(exc.value)


def test_bounded_stream():
    assert files.read_stream(io.BytesIO(b"abc"), limit=3) == "abc"
    with pytest.raises(LimitError, match="standard input is over the limit of 3 bytes"):
        files.read_stream(io.BytesIO(b"abcd"), limit=3)


# -------------------------------------------------------------------------------------------- confined paths
def _problem_set(folder: Path, spec: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "hw.toml"
    f.write_text(f'title = "t"\n[[problem]]\nkind = "cnn"\nspec = "{spec}"\n', encoding="utf-8")
    return f


@pytest.mark.parametrize("spec", ["../outside/net.toml", "/etc/passwd", "sub/../../outside/net.toml"])
def test_a_spec_outside_the_problem_folder_is_refused(tmp_path, spec):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "net.toml").write_text(NET, encoding="utf-8")
    sol = solve(load(_problem_set(tmp_path / "hw", spec)))
    assert not sol.ok
    (err,) = sol.errors
    assert "outside the problem's folder" in str(err) and "--allow-path" in str(err)
    assert "root:" not in str(err)


def test_a_symlink_that_leaves_the_folder_is_refused(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "net.toml").write_text(NET, encoding="utf-8")
    hw = tmp_path / "hw"
    hw.mkdir()
    (hw / "net.toml").symlink_to(tmp_path / "outside" / "net.toml")
    sol = solve(load(_problem_set(hw, "net.toml")))
    assert not sol.ok and "outside the problem's folder" in str(sol.errors[0])


def test_allow_path_and_inside_paths_are_read(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "net.toml").write_text(NET, encoding="utf-8")
    (tmp_path / "hw" / "nets").mkdir(parents=True)
    (tmp_path / "hw" / "nets" / "net.toml").write_text(NET, encoding="utf-8")
    assert solve(load(_problem_set(tmp_path / "hw", "nets/net.toml"))).ok
    f = _problem_set(tmp_path / "hw2", "../outside/net.toml")
    assert solve(load(f, allowed=[tmp_path / "outside"])).ok


def test_checker_problem_files_are_confined_too(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "net.toml").write_text(NET, encoding="utf-8")
    f = _problem_set(tmp_path / "hw", "../outside/net.toml")
    with pytest.raises(DeriveError, match="outside the problem's folder"):
        load_problems(f)
    assert load_problems(f, allowed=[tmp_path / "outside"])


def test_a_device_as_the_problem_set_is_refused():
    with pytest.raises(InputError, match="device"):
        load("/dev/zero")
