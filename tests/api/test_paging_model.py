"""iter_items / iter_raw_messages against a plain model of a list: whatever the page size,
order, starting cursor, and wherever the server puts its cursors (or a decoy `last_id`
inside an object), the walk yields the model's list exactly once, in order."""

import asyncio
import json

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api import DashScopeClient


def model_server(ids, *, cursors_first, decoy):
    """A list endpoint over `ids`, paged as the API pages: `after` is the id the page follows."""
    asked = []

    def handler(request):
        params = request.url.params
        asked.append(params.get("after"))
        order = ids if params["order"] == "asc" else ids[::-1]
        after = params.get("after")
        if after is not None and after not in order:
            return httpx.Response(400, json={"code": "InvalidParameter", "message": "no such cursor", "request_id": "r"})
        start = 0 if after is None else order.index(after) + 1
        chunk = order[start:start + int(params["limit"])]
        data = [{"id": i, "type": "message", "role": "user", "content": "x", "object": "thread.message",
                 "created_at": 1, "thread_id": "thread_m",
                 **({"plugin_call": {"has_more": True, "last_id": "decoy_1"}} if decoy else {})} for i in chunk]
        cursors = {"first_id": chunk[0] if chunk else None, "last_id": chunk[-1] if chunk else None,
                   "has_more": start + len(chunk) < len(order)}
        body = {"object": "list", **cursors, "data": data} if cursors_first else {"object": "list", "data": data, **cursors}
        return httpx.Response(200, content=json.dumps(body).encode())

    return handler, asked


@settings(max_examples=60, deadline=None, derandomize=True)
@given(count=st.integers(0, 40), page_size=st.integers(1, 12), order=st.sampled_from(["asc", "desc"]),
       start=st.integers(-1, 40), cursors_first=st.booleans(), decoy=st.booleans(),
       family=st.sampled_from(["items", "messages"]))
def test_every_walk_yields_the_model_exactly_once_in_order(count, page_size, order, start, cursors_first, decoy, family):
    ids = [f"msg_{n:03d}" for n in range(count)]
    ordered = ids if order == "asc" else ids[::-1]
    after = ordered[start] if 0 <= start < count else None
    handler, asked = model_server(ids, cursors_first=cursors_first, decoy=decoy)

    async def walk():
        async with DashScopeClient(api_key="k", base_url="http://model.test/api/v1",
                                   transport=httpx.MockTransport(handler)) as client:
            if family == "items":
                source = client.iter_raw_items("conv_m", order=order, page_size=page_size, after=after)
            else:
                source = client.iter_raw_messages("thread_m", order=order, page_size=page_size, after=after)
            return [item["id"] async for item in source]

    seen = asyncio.run(walk())
    expected = ordered[ordered.index(after) + 1:] if after else ordered
    assert seen == expected
    pages = max(1, -(-len(expected) // page_size))
    cursors = [after, *(expected[k * page_size - 1] for k in range(1, pages))]
    real = [a for a in asked if a != "decoy_1"]
    assert real[:pages] == cursors  # one request per page, in order, none repeated
    # A decoy inside an object may cost one wasted guess at the end, never a skipped page.
    assert len(real) <= pages + (1 if decoy else 0)
