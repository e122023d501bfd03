"""Pure-Python parts of the sensor process: pid file names (reference §1.5), accounts."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from argus_rs.daemon import DaemonError, pid_file_name, write_pid_file
from argus_rs.privileges import PrivilegeError, resolve_account


def test_pid_file_name_is_argus_dev_n(tmp_path: Path) -> None:
    assert pid_file_name(str(tmp_path), "eth0") == str(tmp_path / "argus.eth0.0.pid")
    # the basename of the device, as argus
    assert pid_file_name(str(tmp_path), "/dev/bpf0") == str(tmp_path / "argus.bpf0.0.pid")


def test_live_instance_is_skipped_stale_one_reused(tmp_path: Path) -> None:
    (tmp_path / "argus.lo.0.pid").write_text(f"{os.getpid()}\n")
    (tmp_path / "argus.lo.1.pid").write_text("999999999\n")
    assert pid_file_name(str(tmp_path), "lo") == str(tmp_path / "argus.lo.1.pid")


def test_five_live_instances_is_an_error(tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"argus.lo.{n}.pid").write_text(f"{os.getpid()}\n")
    with pytest.raises(DaemonError, match="daemon cannot create pid file"):
        pid_file_name(str(tmp_path), "lo")


def test_write_pid_file_content(tmp_path: Path) -> None:
    name = write_pid_file(str(tmp_path), "lo")
    assert Path(name).read_text() == f"{os.getpid()}\n"
    os.unlink(name)


def test_missing_pid_dir_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(DaemonError, match=r"^daemon cannot create pid file .*No such file"):
        write_pid_file(str(tmp_path / "missing"), "lo")


def test_accounts() -> None:
    nobody = pwd.getpwnam("nobody")
    account = resolve_account("nobody", None)
    assert (account.uid, account.gid) == (nobody.pw_uid, nobody.pw_gid)
    assert resolve_account(str(nobody.pw_uid), "0").gid == 0
    assert resolve_account(None, None).uid is None
    with pytest.raises(PrivilegeError, match=r"^-u no-such-user-x: no such user$"):
        resolve_account("no-such-user-x", None)
    with pytest.raises(PrivilegeError, match=r"^-g no-such-group-x: no such group$"):
        resolve_account(None, "no-such-group-x")
