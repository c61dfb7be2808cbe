"""Typed record errors: a record that raises one fails alone (SPEC §3 "Errors").

Messages name the field and the fix but never the value, so they carry no
e-mail, name or phone number into logs, the sync log or Sentry.
"""


class RecordError(Exception):
    """A JodGig record that cannot be synced as it is."""

    def __init__(self, user_id: int, message: str):
        super().__init__(message)
        self.user_id = user_id
        self.message = message

    @property
    def error(self) -> str:
        return type(self).__name__


class InvalidEmail(RecordError):
    def __init__(self, user_id: int):
        super().__init__(
            user_id,
            "users.email is missing or not of the form local@domain.tld; correct it in JodGig",
        )


class ValueTooLong(RecordError):
    def __init__(self, user_id: int, field: str, limit: int):
        super().__init__(user_id, f"users.{field} is longer than {limit} characters; shorten it in JodGig")
        self.field = field


class InvalidTimestamp(RecordError):
    def __init__(self, user_id: int, field: str):
        super().__init__(user_id, f"users.{field} is not a valid date and time; correct it in JodGig")
        self.field = field
