"""Items paging against a plain list: every walk, in both orders and any page size, after any
sequence of appends and deletes, sees exactly the model's items, in order, nothing skipped or doubled."""

import json

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tui.emulator.conversation_store import item_object
from tui.emulator.db import BadCursor


class ItemsModel(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        import tempfile
        from pathlib import Path

        from tui.emulator.storage import Storage

        self.dir = tempfile.TemporaryDirectory()
        self.storage = Storage(Path(self.dir.name) / "model.sqlite3")
        self.conv = self.storage.create_conversation()["id"]
        self.model: list[str] = []
        self.deleted: list[str] = []

    def teardown(self):
        self.storage.close()
        self.dir.cleanup()

    @rule(roles=st.lists(st.sampled_from(["user", "assistant", "system", "developer"]), min_size=1, max_size=20))
    def append(self, roles):
        items = [item_object(role, [{"type": "input_text", "text": role}]) for role in roles]
        self.storage.add_items(self.conv, items)
        self.model += [i["id"] for i in items]

    @precondition(lambda self: self.model)
    @rule(index=st.integers(min_value=0))
    def delete(self, index):
        item_id = self.model.pop(index % len(self.model))
        self.storage.delete_item(self.conv, item_id)
        self.deleted.append(item_id)

    @rule(order=st.sampled_from(["asc", "desc"]), limit=st.integers(1, 7), start=st.integers(min_value=0))
    def walk(self, order, limit, start):
        expected = self.model if order == "asc" else self.model[::-1]
        after = None
        if expected and start % 3 == 0:  # sometimes start after some item
            after = expected[start % len(expected)]
            expected = expected[expected.index(after) + 1:]
        seen = []
        while True:
            page = self.storage.list_items(self.conv, limit=limit, order=order, after=after)
            ids = [json.loads(b)["id"] for b in page.bodies]
            assert len(ids) <= limit
            assert (page.first_id, page.last_id) == ((ids[0], ids[-1]) if ids else (None, None))
            seen += ids
            if not page.has_more:
                break
            assert len(ids) == limit
            after = page.last_id
        assert seen == expected

    @precondition(lambda self: self.deleted)
    @rule()
    def deleted_item_is_no_cursor(self):
        with pytest.raises(BadCursor):
            self.storage.list_items(self.conv, limit=5, order="asc", after=self.deleted[-1])

    @invariant()
    def count_matches(self):
        assert self.storage.count_items(self.conv) == len(self.model)


ItemsModel.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None, derandomize=True)
test_items_paging_matches_the_model = ItemsModel.TestCase
