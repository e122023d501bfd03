"""Giving up root once the sensor has opened what needs root (argus ``-u``, ``-g``, ``-c``).

argus opens its interfaces and output files as root, then changes root directory
(``ARGUS_CHROOT_DIR``), group (``ARGUS_SETGROUP_ID``) and user (``ARGUS_SETUSER_ID``).
:func:`resolve_account` checks names before anything starts (a typo is an error before
the sensor runs or detaches); :func:`drop_privileges` is what the sensor calls once its
inputs and outputs are open (the live path calls it after opening the interfaces).
"""

from __future__ import annotations

import grp
import os
import pwd
from dataclasses import dataclass

__all__ = ["Account", "PrivilegeError", "drop_privileges", "resolve_account"]


class PrivilegeError(ValueError):
    """A user or group that does not exist, or a change the process may not make (one line)."""


@dataclass(frozen=True)
class Account:
    """Who to become: ``uid``/``gid`` None = keep."""

    uid: int | None = None
    gid: int | None = None
    #: the user's name, for its supplementary groups
    user_name: str | None = None


def _uid(user: str) -> tuple[int, int, str]:
    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except (KeyError, OverflowError):
        if user.isdigit():
            return int(user), -1, ""
        raise PrivilegeError(f"-u {user}: no such user") from None
    return entry.pw_uid, entry.pw_gid, entry.pw_name


def _gid(group: str) -> int:
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise PrivilegeError(f"-g {group}: no such group") from None


def resolve_account(user: str | None, group: str | None) -> Account:
    """The ids of ``user`` / ``group`` (names or numbers). Without ``group``, the
    user's primary group."""
    uid = gid = None
    name = None
    if user is not None:
        uid, primary, name = _uid(user)
        gid = primary if primary >= 0 else None
    if group is not None:
        gid = _gid(group)
    return Account(uid=uid, gid=gid, user_name=name or None)


def drop_privileges(account: Account, chroot_dir: str | None = None) -> None:
    """chroot, then group, then user (the order that keeps the right to do the next step).

    Raises :class:`PrivilegeError` when a step fails (not root, no such directory, ...).
    """
    step = ""
    try:
        if chroot_dir:
            step = f"chroot {chroot_dir}"
            os.chroot(chroot_dir)
            os.chdir("/")
        if account.gid is not None:
            step = f"setgid {account.gid}"
            if os.getuid() == 0:
                if account.uid is not None and account.user_name:
                    os.initgroups(account.user_name, account.gid)
                else:
                    os.setgroups([account.gid])
            os.setgid(account.gid)
        if account.uid is not None:
            step = f"setuid {account.uid}"
            os.setuid(account.uid)
    except OSError as exc:
        raise PrivilegeError(f"{step}: {exc.strerror or exc}") from None
