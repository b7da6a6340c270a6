"""The shared request rules, as the client applies them before anything is sent."""

import httpx
import pytest

from tests.conftest import TEST_BASE_URL
from tui.api import DashScopeClient, ValidationError
from tui.api.validation import metadata_problems


def never_called(request):
    raise AssertionError(f"nothing should be sent, but {request.method} {request.url} was")


@pytest.fixture
async def offline():
    async with DashScopeClient(api_key="k", base_url=TEST_BASE_URL, transport=httpx.MockTransport(never_called)) as c:
        yield c


@pytest.mark.parametrize(
    ("metadata", "field", "words"),
    [
        ({f"k{i}": "v" for i in range(17)}, "metadata", "17 pairs; at most 16"),
        ({"k" * 65: "v"}, "metadata." + "k" * 65, "65 characters; at most 64"),
        ({"": "v"}, "metadata.", "non-empty"),
        ({"big": "v" * 513}, "metadata.big", "513 characters; at most 512"),
        ({"n": 1}, "metadata.n", "must be a string, not int"),
    ],
)
async def test_bad_metadata_is_refused_before_sending(offline, metadata, field, words):
    with pytest.raises(ValidationError) as info:
        await offline.modify_message("thread_a", "message_b", metadata=metadata)
    assert info.value.field == field
    assert words in info.value.message


async def test_limits_and_order_and_content(offline):
    for limit in (0, 101, True, "5"):
        with pytest.raises(ValidationError, match="limit must be"):
            await offline.list_messages("thread_a", limit=limit)
    with pytest.raises(ValidationError, match="order must be"):
        await offline.list_messages("thread_a", order="newest")
    for content in ("", "   ", None):
        with pytest.raises(ValidationError, match="content must be a non-empty"):
            await offline.create_message("thread_a", content)


def test_boundaries_are_allowed():
    assert metadata_problems({f"k{i}": "v" * 512 for i in range(16)}) == []
    assert metadata_problems({"k" * 64: ""}) == []


def test_every_problem_is_listed_for_the_editor():
    problems = metadata_problems({"ok": "v", "k" * 65: "v" * 600})
    assert [p.rule for p in problems] == ["key_too_long", "value_too_long"]
