import factory

from accounts.tests.factories import UserFactory
from todos.models import Todo


class TodoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Todo

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Todo {n}")
    description = "Something to do."
    completed = False
