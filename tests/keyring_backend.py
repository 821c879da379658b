"""A keyring backend for the tests: credentials from ``KAPPLAN_TEST_KEYRING`` (JSON).

`kapplan sync` asks the system keyring through the keyring library; the tests point
the library at this backend with ``PYTHON_KEYRING_BACKEND=tests.keyring_backend.EnvKeyring``,
so the lookup kapplan makes is the real library's, against a store the test controls.
"""

from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential


class EnvKeyring(KeyringBackend):
    """Read-only: ``{"service": ["user", "password"]}`` from the environment."""

    priority = 1

    def _entries(self) -> dict[str, list[str]]:
        return dict(json.loads(os.environ.get("KAPPLAN_TEST_KEYRING", "{}")))

    def get_password(self, service: str, username: str) -> str | None:
        entry = self._entries().get(service)
        return entry[1] if entry and entry[0] == username else None

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        entry = self._entries().get(service)
        if entry is None or (username is not None and entry[0] != username):
            return None
        return SimpleCredential(entry[0], entry[1])

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError("the test keyring is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError("the test keyring is read-only")
