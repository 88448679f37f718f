"""Safe cells for CSV and XLSX exports opened in a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these is read as a formula by Excel and its kin
# (OWASP's CSV injection guidance); tab and carriage return too.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Text a spreadsheet shows as text: a leading quote when it would start a formula.

    Only for text typed by people; numbers an export writes itself must not
    pass through here, or "-2" would stop being a number.
    """
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
