"""The /api/todos/ endpoints: CRUD, ownership, validation, filters, ordering, pagination."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Todo
from todos.tests.factories import TodoFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/todos/"
TODO_KEYS = {"id", "title", "description", "completed", "created_at", "updated_at"}


def detail_url(todo_id):
    return f"/api/todos/{todo_id}/"


def titles(response):
    return [item["title"] for item in response.json()["results"]]


# --- Create -----------------------------------------------------------------------------------


def test_create_returns_the_todo_and_owns_it(auth_client, user):
    response = auth_client.post(LIST_URL, {"title": "Buy milk", "description": "2 litres"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == TODO_KEYS
    assert body["title"] == "Buy milk"
    assert body["description"] == "2 litres"
    assert body["completed"] is False
    todo = Todo.objects.get(pk=body["id"])
    assert todo.owner == user


def test_create_with_only_a_title_takes_the_defaults(auth_client):
    response = auth_client.post(LIST_URL, {"title": "Just a title"}, format="json")

    assert response.status_code == 201
    assert response.json()["description"] == ""
    assert response.json()["completed"] is False


def test_create_ignores_an_owner_or_id_in_the_body(auth_client, user, other_user_todo):
    stranger = other_user_todo.owner
    response = auth_client.post(
        LIST_URL, {"title": "Mine", "owner": stranger.pk, "id": other_user_todo.pk}, format="json"
    )

    assert response.status_code == 201
    created = Todo.objects.get(pk=response.json()["id"])
    assert created.owner == user
    assert created.pk != other_user_todo.pk
    other_user_todo.refresh_from_db()
    assert other_user_todo.title != "Mine"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": None}, "title"),
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, "title"),
        ({"title": "nul \x00 byte"}, "title"),
        ({"title": ["a list"]}, "title"),
        ({"title": "ok", "description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"title": "ok", "completed": "maybe"}, "completed"),
    ],
)
def test_create_rejects_invalid_input(auth_client, body, field):
    response = auth_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Todo.objects.exists()


def test_title_at_max_length_is_accepted(auth_client):
    response = auth_client.post(LIST_URL, {"title": "x" * TITLE_MAX_LENGTH}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "{not json", "1"])
def test_create_with_a_body_that_is_not_an_object_is_400(auth_client, body):
    response = auth_client.post(LIST_URL, body, content_type="application/json")
    assert response.status_code == 400


def test_create_with_a_form_body_is_415(auth_client):
    response = auth_client.post(LIST_URL, {"title": "form"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


# --- Read, update, delete -----------------------------------------------------------------------


def test_retrieve_update_and_delete_own_todo(auth_client, user):
    todo = TodoFactory(owner=user, title="Old", completed=False)

    response = auth_client.get(detail_url(todo.pk))
    assert response.status_code == 200
    assert set(response.json()) == TODO_KEYS

    response = auth_client.put(
        detail_url(todo.pk), {"title": "New", "description": "d", "completed": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "New"
    assert response.json()["completed"] is True

    response = auth_client.patch(detail_url(todo.pk), {"completed": False}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "New"
    assert response.json()["completed"] is False

    response = auth_client.delete(detail_url(todo.pk))
    assert response.status_code == 204
    assert not Todo.objects.filter(pk=todo.pk).exists()


def test_put_without_a_title_is_400(auth_client, user):
    todo = TodoFactory(owner=user, title="Keep")
    response = auth_client.put(detail_url(todo.pk), {"completed": True}, format="json")

    assert response.status_code == 400
    assert "title" in response.json()
    todo.refresh_from_db()
    assert todo.completed is False


def test_patch_with_a_blank_title_is_400(auth_client, user):
    todo = TodoFactory(owner=user, title="Keep")
    response = auth_client.patch(detail_url(todo.pk), {"title": " "}, format="json")

    assert response.status_code == 400
    todo.refresh_from_db()
    assert todo.title == "Keep"


def test_update_moves_updated_at_but_not_created_at(auth_client, user):
    long_ago = timezone.now() - timedelta(days=3)
    todo = TodoFactory(owner=user, created_at=long_ago)
    Todo.objects.filter(pk=todo.pk).update(updated_at=long_ago)

    response = auth_client.patch(detail_url(todo.pk), {"title": "Changed"}, format="json")

    assert response.status_code == 200
    todo.refresh_from_db()
    assert todo.created_at == long_ago
    assert todo.updated_at > long_ago


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("get", None),
        ("put", {"title": "Hijacked", "description": "", "completed": True}),
        ("patch", {"title": "Hijacked"}),
        ("delete", None),
    ],
)
def test_another_users_todo_is_404_for_every_verb(auth_client, other_user_todo, method, body):
    response = getattr(auth_client, method)(detail_url(other_user_todo.pk), body, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No Todo matches the given query.", "code": "not_found"}
    other_user_todo.refresh_from_db()
    assert other_user_todo.title != "Hijacked"
    assert other_user_todo.completed is False


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_todo_is_404(auth_client, method):
    response = getattr(auth_client, method)(detail_url(987654), {"title": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("todo_id", ["abc", "1.5", "-1", "99999999999999999999999"])
def test_odd_ids_are_404_not_500(auth_client, todo_id):
    response = auth_client.get(f"/api/todos/{todo_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "url"), [("get", LIST_URL), ("post", LIST_URL), ("get", detail_url(1))])
def test_anonymous_is_401(api_client, method, url):
    response = getattr(api_client, method)(url, {"title": "x"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


# --- List: scope, filters, search, ordering -----------------------------------------------------


def test_list_holds_only_the_callers_todos(auth_client, user, other_user_todo):
    mine = TodoFactory.create_batch(2, owner=user)

    response = auth_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert {item["id"] for item in body["results"]} == {todo.pk for todo in mine}
    assert all(set(item) == TODO_KEYS for item in body["results"])


def test_completed_filter(auth_client, user):
    TodoFactory(owner=user, title="done", completed=True)
    TodoFactory(owner=user, title="open", completed=False)

    assert titles(auth_client.get(LIST_URL, {"completed": "true"})) == ["done"]
    assert titles(auth_client.get(LIST_URL, {"completed": "false"})) == ["open"]
    assert sorted(titles(auth_client.get(LIST_URL, {"completed": ""}))) == ["done", "open"]


def test_completed_filter_with_a_bad_value_is_400(auth_client):
    response = auth_client.get(LIST_URL, {"completed": "maybe"})

    assert response.status_code == 400
    assert "completed" in response.json()


def test_search_matches_the_title_only_without_regard_to_case(auth_client, user, other_user_todo):
    TodoFactory(owner=user, title="Buy MILK", description="")
    TodoFactory(owner=user, title="Walk the dog", description="milk on the way back")
    other_user_todo.title = "milk too"
    other_user_todo.save()

    assert titles(auth_client.get(LIST_URL, {"search": "milk"})) == ["Buy MILK"]
    assert titles(auth_client.get(LIST_URL, {"search": "buy milk"})) == ["Buy MILK"]
    assert titles(auth_client.get(LIST_URL, {"search": "nothing"})) == []


@pytest.mark.parametrize("search", ["a\x00b", "x" * 201])
def test_search_rejects_nul_bytes_and_huge_values(auth_client, search):
    response = auth_client.get(LIST_URL, {"search": search})

    assert response.status_code == 400
    assert "search" in response.json()


def test_search_with_wildcards_is_literal(auth_client, user):
    TodoFactory(owner=user, title="100% done")
    TodoFactory(owner=user, title="1000 things")

    assert titles(auth_client.get(LIST_URL, {"search": "0%"})) == ["100% done"]
    assert titles(auth_client.get(LIST_URL, {"search": "_"})) == []


def test_ordering(auth_client, user):
    now = timezone.now()
    TodoFactory(owner=user, title="b", created_at=now - timedelta(minutes=2))
    TodoFactory(owner=user, title="c", created_at=now - timedelta(minutes=1))
    TodoFactory(owner=user, title="a", created_at=now - timedelta(minutes=3))

    assert titles(auth_client.get(LIST_URL)) == ["c", "b", "a"]  # newest first by default
    assert titles(auth_client.get(LIST_URL, {"ordering": "-created_at"})) == ["c", "b", "a"]
    assert titles(auth_client.get(LIST_URL, {"ordering": "created_at"})) == ["a", "b", "c"]
    assert titles(auth_client.get(LIST_URL, {"ordering": "title"})) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "ordering",
    ["owner", "owner__password", "-description", "nonsense", "", ",", "--title", "title\x00", "pk"],
)
def test_ordering_by_anything_else_is_ignored(auth_client, user, ordering):
    now = timezone.now()
    TodoFactory(owner=user, title="old", created_at=now - timedelta(minutes=1))
    TodoFactory(owner=user, title="new", created_at=now)

    response = auth_client.get(LIST_URL, {"ordering": ordering})

    assert response.status_code == 200
    assert titles(response) == ["new", "old"]


def test_equal_timestamps_page_without_overlap(auth_client, user):
    moment = timezone.now()
    TodoFactory.create_batch(5, owner=user, created_at=moment)

    seen = []
    for page in (1, 2, 3):
        response = auth_client.get(LIST_URL, {"page_size": 2, "page": page, "ordering": "created_at"})
        seen += [item["id"] for item in response.json()["results"]]

    assert len(seen) == 5
    assert seen == sorted(seen)


# --- Pagination bounds ----------------------------------------------------------------------------


def make_todos(owner, count):
    now = timezone.now()
    Todo.objects.bulk_create(
        Todo(owner=owner, title=f"t{n:03}", created_at=now - timedelta(seconds=n)) for n in range(count)
    )


def test_page_size_is_capped_at_100(auth_client, user):
    make_todos(user, 105)

    response = auth_client.get(LIST_URL, {"page_size": 1000})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 105
    assert len(body["results"]) == 100
    assert body["next"] is not None


def test_page_size_and_navigation(auth_client, user):
    make_todos(user, 5)

    first = auth_client.get(LIST_URL, {"page_size": 2}).json()
    last = auth_client.get(LIST_URL, {"page_size": 2, "page": 3}).json()

    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert len(last["results"]) == 1
    assert last["next"] is None


@pytest.mark.parametrize("page_size", ["abc", "0", "-5", "", "1e3"])
def test_bad_page_size_falls_back_to_the_default(auth_client, user, page_size):
    make_todos(user, 25)

    response = auth_client.get(LIST_URL, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("page", ["999", "abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_a_page_out_of_range_or_not_a_number_is_404(auth_client, user, page):
    make_todos(user, 3)

    response = auth_client.get(LIST_URL, {"page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_last_is_accepted(auth_client, user):
    make_todos(user, 3)
    response = auth_client.get(LIST_URL, {"page": "last"})
    assert response.status_code == 200


# --- Query budget ---------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"completed": "false", "search": "t", "ordering": "title"}])
def test_list_costs_the_same_queries_for_1_row_and_for_100(auth_client, user, params):
    make_todos(user, 1)
    auth_client.get(LIST_URL)  # warm whatever the authentication caches

    with CaptureQueriesContext(connection) as one_row:
        response = auth_client.get(LIST_URL, {**params, "page_size": 100})
    assert len(response.json()["results"]) == 1

    Todo.objects.all().delete()
    make_todos(user, 100)
    with CaptureQueriesContext(connection) as hundred_rows:
        response = auth_client.get(LIST_URL, {**params, "page_size": 100})
    assert len(response.json()["results"]) == 100
    # authentication (none with the Redis session state) + the page's COUNT + the page itself
    assert len(one_row) == len(hundred_rows) <= 3


def test_every_index_leads_with_the_owner():
    # Every query is scoped to one owner: an index that does not start with it is no use.
    assert Todo._meta.indexes
    assert all(index.fields[0] == "owner" for index in Todo._meta.indexes)
