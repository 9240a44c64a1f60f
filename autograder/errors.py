"""Exceptions that carry what went wrong on the student's side of the boundary."""


class SubmissionError(Exception):
    """The student's code raised an exception (reported with its own traceback only)."""

    def __init__(self, where: str, type_name: str, message: str, traceback: str = ""):
        self.where, self.type_name, self.message, self.student_traceback = (
            where, type_name, message, traceback)
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.where} raised {self.type_name}: {self.message}"
        if self.student_traceback:
            text += "\n" + self.student_traceback
        return text


class WorkerLost(BaseException):
    """The worker timed out, crashed, exited or broke the protocol.

    A BaseException so that hypothesis does not shrink or retry a test that hung: the proxy
    restarts the worker for the next test.
    """

    def __init__(self, message: str, *, timed_out: bool = False, over_memory: bool = False):
        self.message = message
        self.timed_out = timed_out  # no reply in time
        self.over_memory = over_memory  # stopped for holding more memory than its budget
        super().__init__(message)


class GradingFailure(AssertionError):
    """A check failed; the message is safe to show to students (no expected values)."""


class NotImplementedYet(BaseException):
    """The student's code raised NotImplementedError (an untouched stub).

    A BaseException so that hypothesis reports it at once instead of shrinking: no input
    would make a stub pass.
    """

    def __init__(self, where: str, message: str = "", function: str | None = None):
        """``where``: what the test called (a function, or a probe's label); ``function``: the
        student's function that raised, which the message names (``where`` when unknown)."""
        self.where, self.message, self.function = where, message, function or where
        text = f"{self.function} is not implemented yet (it raised NotImplementedError)"
        if function and function not in where.split("/"):
            text += f"; the test was checking {where}, which calls it"
        super().__init__(text)
