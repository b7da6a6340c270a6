"""`threadscope conversations …` and `threadscope items …`: the successor API from the shell (CONTRACT §2).

tui.cli loads this module when either group is run or listed.
"""

from __future__ import annotations

import click

from tui.api.validation import ITEM_ROLES
from tui.cli import (
    check_writable,
    global_options,
    metadata_from_options,
    print_saved_metadata,
    required_metadata,
    run_api,
)
from tui.cli_output import echo, print_detail, print_json, print_table
from tui.config import Settings
from tui.inert import make_inert

ITEM_FIELDS = ("id", "type", "role", "status")


def ledger(settings: Settings):
    """The ledger of this backend: create and export remember a conversation, delete forgets it."""
    from tui.ledger import ThreadLedger

    return ThreadLedger(settings.ledger_path, settings.backend_id)


def parse_items(given: tuple[str, ...]) -> list[dict[str, str]]:
    """`--item ROLE:TEXT` options as items (the first `:` splits; the text may hold more)."""
    items = []
    for value in given:
        role, sep, text = value.partition(":")
        if not sep or role not in ITEM_ROLES:
            raise click.BadParameter(f"expected ROLE:TEXT with ROLE one of {', '.join(ITEM_ROLES)}, got {value!r}",
                                     param_hint="--item")
        items.append({"type": "message", "role": role, "content": text})
    return items


# -- conversations ---------------------------------------------------------------------------


@click.group()
@global_options
def conversations() -> None:
    """Create, read, update and delete conversations (the successor of threads)."""


@conversations.command("create")
@global_options
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--item", "given_items", multiple=True, metavar="ROLE:TEXT",
              help=f"An item to start with (repeatable, up to 20; ROLE: {', '.join(ITEM_ROLES)}).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def conversations_create(client, settings: Settings, pairs: tuple[str, ...], given_items: tuple[str, ...],
                               as_json: bool) -> None:
    """Create a conversation and print its id (never sent twice: a failure may still have created it)."""
    items = parse_items(given_items)
    metadata = metadata_from_options(pairs, None)
    check_writable(settings)
    conversation = await client.create_conversation(items=items or None, metadata=metadata)
    ledger(settings).record(conversation.id)
    print_json(conversation.raw) if as_json else echo(make_inert(conversation.id))


@conversations.command("get")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def conversations_get(client, settings: Settings, conversation_id: str, as_json: bool) -> None:
    """Show a conversation: id, creation time, metadata."""
    conversation = await client.retrieve_conversation(conversation_id)
    print_json(conversation.raw) if as_json else print_detail(conversation.raw, ("id", "created_at"))


@conversations.command("update")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--metadata-json", metavar="JSON", help="The whole metadata object as JSON ('{}' clears it).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def conversations_update(client, settings: Settings, conversation_id: str, pairs: tuple[str, ...],
                               metadata_json: str | None, as_json: bool) -> None:
    """REPLACE a conversation's metadata with the given pairs (keys not given are removed)."""
    metadata = required_metadata(pairs, metadata_json)
    check_writable(settings)
    conversation = await client.update_conversation(conversation_id, metadata=metadata)
    print_json(conversation.raw) if as_json else print_saved_metadata(conversation.id, conversation.metadata_dict)


@conversations.command("delete")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def conversations_delete(client, settings: Settings, conversation_id: str, as_json: bool) -> None:
    """Delete a conversation (it and its items answer 404 afterwards)."""
    check_writable(settings)
    deleted = await client.delete_conversation(conversation_id)
    ledger(settings).forget(conversation_id)
    print_json(deleted.raw) if as_json else echo(f"deleted {make_inert(deleted.id)}")


# -- items -------------------------------------------------------------------------------------


@click.group()
@global_options
def items() -> None:
    """List, read, add and delete the items of a conversation."""


@items.command("list")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--after", metavar="ITEM_ID", help="Start after this item, in this order (exclusive cursor).")
@click.option("--all", "every_page", is_flag=True, help="Every page (with --json: one item per line, JSON lines).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def items_list(client, settings: Settings, conversation_id: str, limit: int, order: str, after: str | None,
                     every_page: bool, as_json: bool) -> None:
    """List a conversation's items (newest first by default)."""
    if every_page:
        first = True
        async for raw in client.iter_raw_items(conversation_id, order=order, page_size=limit, after=after):
            if as_json:
                print_json(raw, compact=True)
            else:
                print_table([raw], header=first)
            first = False
        return
    if as_json:
        print_json(await client.list_items_raw(conversation_id, limit=limit, order=order, after=after))
        return
    page = await client.list_items(conversation_id, limit=limit, order=order, after=after)
    print_table(item.raw for item in page.data)
    if page.has_more:
        echo(f"… more: --after {make_inert(page.last_id or '')}", err=True)


@items.command("get")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.argument("item_id", metavar="ITEM")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def items_get(client, settings: Settings, conversation_id: str, item_id: str, as_json: bool) -> None:
    """Show one item: its fields and text."""
    item = await client.retrieve_item(conversation_id, item_id)
    print_json(item.raw) if as_json else print_detail(item.raw, ITEM_FIELDS)


@items.command("create")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.option("--content", required=True, help="The item's text.")
@click.option("--role", type=click.Choice(ITEM_ROLES), default="user", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def items_create(client, settings: Settings, conversation_id: str, content: str, role: str, as_json: bool) -> None:
    """Add one item and print its id (never sent twice: a failure may still have created it)."""
    check_writable(settings)
    created = await client.create_items(conversation_id, [{"type": "message", "role": role, "content": content}])
    if as_json:
        print_json(created.raw)
    else:
        for item in created.data:
            echo(make_inert(item.id))


@items.command("delete")
@global_options
@click.argument("conversation_id", metavar="CONV")
@click.argument("item_id", metavar="ITEM")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def items_delete(client, settings: Settings, conversation_id: str, item_id: str, as_json: bool) -> None:
    """Delete one item."""
    check_writable(settings)
    deleted = await client.delete_item(conversation_id, item_id)
    print_json(deleted.raw) if as_json else echo(f"deleted {make_inert(deleted.id)}")
