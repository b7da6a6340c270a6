"""`threadscope grep THREAD_OR_CONV PATTERN`: every matching message or item, in thread order, as found.

Exit 0 with matches, 1 without, 2 on a usage error (like grep). tui.cli loads this module
when the command is run or listed.
"""

from __future__ import annotations

import sys

import click

from tui.api.validation import ITEM_ROLES
from tui.cli import fail_usage, global_options, metadata_from_options, run_api
from tui.cli_output import echo, local_time, print_json
from tui.config import Settings
from tui.ids import is_conversation
from tui.inert import make_inert


def _marked(snippet) -> str:
    """The snippet for a terminal, inert, the match in reverse video (dropped when not a terminal)."""
    text = snippet.text
    before, hit, after = text[: snippet.start], text[snippet.start: snippet.end], text[snippet.end:]
    return make_inert(before) + click.style(make_inert(hit), reverse=True) + make_inert(after)


@click.command()
@global_options
@click.argument("target_id", metavar="THREAD_OR_CONV")
@click.argument("pattern")
@click.option("--role", type=click.Choice(ITEM_ROLES), help="Only messages or items with this role.")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Only those with this metadata pair (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per match (JSON lines).")
@run_api
async def grep(client, settings: Settings, target_id: str, pattern: str, role: str | None, pairs: tuple[str, ...],
               as_json: bool) -> None:
    """Find PATTERN in every message of a thread or item of a conversation: text, ids, role,
    metadata, annotations, tool and plugin calls. Plain text ignores case; `re:` starts a
    regular expression."""
    from tui.find import FindError, find_in, parse_query

    if pairs and is_conversation(target_id):
        fail_usage("--metadata: conversation items carry no metadata (the conversation does: conversations get)")
    try:
        query = parse_query(pattern, role=role, metadata=metadata_from_options(pairs, None))
    except FindError as exc:
        fail_usage(str(exc))
    found = 0
    async for match in find_in(client, target_id, query):
        if as_json:
            print_json(match.to_json(), compact=True)
        else:
            if not found:
                echo(f"{'#':>7}  {'ID':<46}  {'ROLE':<9}  {'CREATED':<19}  MATCH")
            echo(f"{match.position:>7}  {make_inert(match.id):<46}  {make_inert(match.role or ''):<9}  "
                 f"{local_time(match.created_at):<19}  {match.field}: {_marked(match.snippet)}")
        found += 1
    if not found:
        sys.exit(1)
