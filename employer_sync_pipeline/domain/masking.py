"""Masking personal data (e-mail, names, phone) for what an operator sees (SPEC §10 "Explain").

Each mask keeps just enough to recognise a value someone already knows, never enough to learn it.
"""

HIDDEN = "***"
_PHONE_DIGITS_SHOWN = 2


def mask_email(value: str | None) -> str | None:
    """``jane.doe@example.com`` → ``j***@e***.com``: first letters and the top-level domain only."""
    if value is None:
        return None
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return mask_name(value)
    host, dot, tld = domain.rpartition(".")
    masked_domain = f"{mask_name(host)}.{tld}" if dot and host else mask_name(domain)
    return f"{mask_name(local)}@{masked_domain}"


def mask_name(value: str | None) -> str | None:
    """``Ada`` → ``A***``; blank stays blank, so that "empty" remains visible."""
    if value is None:
        return None
    stripped = value.strip()
    return f"{stripped[0]}{HIDDEN}" if stripped else value


def mask_phone(value: str | None) -> str | None:
    """``+6591234567`` → ``***67``: the last two digits only."""
    if value is None:
        return None
    digits = [c for c in value if c.isdigit()]
    if len(digits) <= _PHONE_DIGITS_SHOWN:
        return HIDDEN
    return HIDDEN + "".join(digits[-_PHONE_DIGITS_SHOWN:])
