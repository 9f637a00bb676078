import pytest

from todos.tests.factories import TodoFactory


@pytest.fixture
def other_user_todo(db):
    """A todo that belongs to someone other than ``user``."""
    return TodoFactory()
