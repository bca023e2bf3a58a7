"""Phone numbers stay out of the log: an officer's or a caller's number is personal data,
and the journal is kept and read more widely than the records that hold it. A log line
names the person (an officer by username) and at most the number's last four digits
(``phone_masked``). The SMS wrong-code lockout logged the officer's whole number.

The same for the data of an audit entry: the audit log is append-only, so a number written
into it can never be erased. A rejected SMS reply kept the whole number of whoever texted the
gateway, a stranger who got the number wrong too; the SMS row it names keeps it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backend.common.phones import phone_masked

BACKEND = Path(__file__).resolve().parents[3] / "backend"
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+77012345678", "…5678"),
        ("8 701 234-56-78", "…5678"),  # however the gateway wrote it
        ("1234", "…"),  # a short code: nothing of it
        ("", "…"),
    ],
)
def test_a_number_in_the_log_is_its_last_four_digits(phone, masked):
    assert phone_masked(phone) == masked


def _names_a_phone(node: ast.expr) -> bool:
    """``msg.phone``, ``phone``, ``data["phone"]``, ``officer.phone_number``: the value itself
    (``self.phone.username`` is a username)."""
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and "phone" in str(key.value).lower()
    name = getattr(node, "attr", None) or getattr(node, "id", None) or ""
    return "phone" in name.lower()


def _unmasked_phones(call: ast.Call) -> list[str]:
    """The arguments of a logging call that are a phone number, not ``phone_masked(…)``."""
    values: list[ast.expr] = []
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(argument, ast.JoinedStr):  # an f-string: what it formats
            values += [v.value for v in argument.values if isinstance(v, ast.FormattedValue)]
        else:
            values.append(argument)
    return [ast.unparse(v) for v in values if _names_a_phone(v)]


def test_no_log_line_of_the_backend_carries_a_whole_phone_number():
    # given: every logging call of the backend
    offenders = []
    for path in sorted(BACKEND.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and "log" in ast.unparse(node.func.value).lower()
            ):
                continue
            # when
            for expression in _unmasked_phones(node):
                offenders.append(f"{path.relative_to(BACKEND.parent)}:{node.lineno}: {expression}")

    # then
    assert offenders == []


def _audit_data_phones(call: ast.Call) -> list[str]:
    """The values of an audit call's ``data={…}`` (nested dicts too) that are a phone number,
    not ``phone_masked(…)``."""
    data = [k.value for k in call.keywords if k.arg == "data"]
    values: list[ast.expr] = []
    while data:
        node = data.pop()
        if isinstance(node, ast.Dict):
            data += node.values
        else:
            values.append(node)
    return [ast.unparse(v) for v in values if _names_a_phone(v)]


def test_no_audit_entry_of_the_backend_keeps_a_whole_phone_number():
    # given: every audit call of the backend (``uow.audit``)
    offenders = []
    for path in sorted(BACKEND.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("audit")):
                continue
            # when
            for expression in _audit_data_phones(node):
                offenders.append(f"{path.relative_to(BACKEND.parent)}:{node.lineno}: {expression}")

    # then
    assert offenders == []
