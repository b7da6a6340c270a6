"""The `threadscope` command: global options, the API subcommands, `serve`, and the TUI.

Exit codes: 0 ok; 1 the API (or network) failed, with code and request_id on stderr;
2 a usage error, including input the API would refuse (caught before sending).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tui import __version__
from tui.api.errors import ThreadscopeError
from tui.api.validation import ValidationError, check_metadata
from tui.config import ConfigError, Settings, resolve_settings
from tui.inert import make_inert, one_line

GLOBAL_KEYS = ("base_url", "compat_base_url", "region", "workspace", "profile", "demo", "api_key")


def _remember_global(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    # Global options may stand before or after the subcommand; the last one given wins.
    store = ctx.find_root().meta.setdefault("threadscope.globals", {})
    if value not in (None, False):
        store[param.name] = value
    return value


def global_options(func: Callable | None = None, *, exclude: tuple[str, ...] = ()) -> Callable:
    """The options every subcommand accepts (CONTRACT §2); `exclude` drops ones a command defines itself."""
    if func is None:
        return functools.partial(global_options, exclude=exclude)
    common = {"expose_value": False, "callback": _remember_global}
    options = {
        "base_url": click.option("--base-url", metavar="URL", **common,
                                 help="API base URL (default: by region; env DASHSCOPE_HTTP_BASE_URL)."),
        "compat_base_url": click.option(
            "--compat-base-url", metavar="URL", **common,
            help="OpenAI-compatible base URL, for conversations (default: from --base-url when it ends in /api/v1, "
                 "else by region; env DASHSCOPE_COMPAT_BASE_URL)."),
        "region": click.option("--region", type=click.Choice(["intl", "cn"]), **common,
                               help="DashScope region: intl (Singapore, default) or cn (Beijing)."),
        "workspace": click.option("--workspace", metavar="ID", **common,
                                  help="Model Studio workspace id (sub-workspace keys need it; env DASHSCOPE_WORKSPACE)."),
        "profile": click.option("--profile", metavar="NAME", **common, help="Profile from config.toml."),
        "demo": click.option("--demo", is_flag=True, **common, help="Use the embedded emulator even when a key is set."),
        "api_key": click.option("--api-key", metavar="KEY", **common,
                                help="API key (prefer DASHSCOPE_API_KEY: this lands in shell history)."),
    }
    for name, option in reversed(options.items()):
        if name not in exclude:
            func = option(func)
    return func


def current_settings() -> Settings:
    """Resolve settings once per invocation from the global options seen so far."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if "threadscope.settings" not in root.meta:
        given = root.meta.get("threadscope.globals", {})
        try:
            settings = resolve_settings(**{k: given.get(k) for k in GLOBAL_KEYS if k != "demo"}, demo=bool(given.get("demo")))
        except ConfigError as exc:
            fail_usage(str(exc))
        for warning in settings.warnings:
            click.echo(f"warning: {warning}", err=True)
        root.meta["threadscope.settings"] = settings
    return root.meta["threadscope.settings"]


def fail_usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def run_api(coro_fn: Callable[..., Coroutine[Any, Any, Any]]) -> Callable:
    """Run an async command body with a client; turn expected failures into messages and exit codes."""

    @functools.wraps(coro_fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = current_settings()
        from tui.backend import build_client

        async def main() -> Any:
            client = build_client(settings)
            try:
                return await coro_fn(client, settings, *args, **kwargs)
            finally:
                await client.aclose()

        try:
            return asyncio.run(main())
        except ValidationError as exc:
            fail_usage(exc.message)
        except ThreadscopeError as exc:
            click.echo(f"error: {make_inert(exc.describe())}", err=True)
            if settings.embedded:
                click.echo("(backend: embedded emulator — set DASHSCOPE_API_KEY to use DashScope)", err=True)
            sys.exit(1)
        except BrokenPipeError:
            # `threadscope … | head`: the reader went away; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)

    return wrapper


def parse_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    """`k=v` options as a dict (the first `=` splits; values may contain `=`)."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--metadata")
        result[key] = value
    return result


def metadata_from_options(pairs: tuple[str, ...], metadata_json: str | None) -> dict[str, str] | None:
    """The metadata given by `--metadata k=v…` and/or `--metadata-json '{…}'` (pairs win), validated."""
    if not pairs and metadata_json is None:
        return None
    data: dict[str, Any] = {}
    if metadata_json is not None:
        try:
            data = json.loads(metadata_json)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--metadata-json") from None
        if not isinstance(data, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--metadata-json")
    data.update(parse_pairs(pairs))
    try:
        return check_metadata(data)
    except ValidationError as exc:
        raise click.BadParameter(exc.message, param_hint="--metadata") from None


def print_json(data: Any, *, compact: bool = False) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) if compact else json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(text)


def local_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def print_table(messages: list, *, header: bool = True) -> None:
    """Messages as aligned columns for people; server text made inert."""
    width = 60
    if header:
        click.echo(f"{'ID':<46}  {'ROLE':<9}  {'CREATED':<19}  {'META':>4}  TEXT")
    for m in messages:
        click.echo(
            f"{make_inert(m.id):<46}  {make_inert(m.role):<9}  {local_time(m.created_at):<19}  "
            f"{len(m.metadata_dict):>4}  {one_line(m.text, width)}"
        )


# -- the command group ---------------------------------------------------------------------


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="threadscope")
@global_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """threadscope: browse DashScope Assistant API threads from the terminal.

    With no key (DASHSCOPE_API_KEY) and no --base-url, everything runs on the embedded
    emulator with demo data.
    """
    if ctx.invoked_subcommand is None:
        run_tui(current_settings(), None)


def run_tui(settings: Settings, thread_id: str | None) -> None:
    """Start the TUI on the ledger, or on one thread."""
    from tui.app import ThreadscopeApp
    from tui.backend import build_client

    async def session() -> None:
        client = build_client(settings)
        try:
            await ThreadscopeApp(settings, client, open_thread=thread_id).run_async()
        finally:
            await client.aclose()

    asyncio.run(session())


@main.command("open")
@global_options
@click.argument("thread_id")
def open_thread(thread_id: str) -> None:
    """Open the TUI on THREAD_ID."""
    if not thread_id.startswith("thread_"):
        fail_usage(f"{thread_id!r} is not a thread id (they look like thread_<uuid>)")
    run_tui(current_settings(), thread_id)


@main.command()
@global_options(exclude=("api_key",))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (non-loopback needs --api-key).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="SQLite file (default: the embedded one).")
@click.option("--demo-data", is_flag=True, help="Seed the demo threads if the database has none.")
@click.option("--api-key", "serve_key", metavar="KEY", help="Accept only this key (401 InvalidApiKey otherwise).")
@click.option("--faults", metavar="SPEC", help="Misbehave on purpose, e.g. 'list:429,update:500@0.3,any:delay=2s'.")
def serve(host: str, port: int, db_path: Path | None, demo_data: bool, serve_key: str | None, faults: str | None) -> None:
    """Serve the emulator over HTTP at http://HOST:PORT/api/v1 (the official SDK works against it)."""
    from tui.config import data_dir
    from tui.emulator.server import serve as run_server

    if db_path is None:
        db_path = data_dir() / "emulator.sqlite3"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if faults:
            from tui.emulator.faults import parse_faults

            try:
                parse_faults(faults)  # a bad spec is a usage error, before anything binds
            except ValueError as exc:
                fail_usage(str(exc))
        run_server(host=host, port=port, db_path=db_path, demo_data=demo_data, api_key=serve_key, faults=faults)
    except ValueError as exc:
        fail_usage(str(exc))


# -- threads -------------------------------------------------------------------------------


@main.group()
@global_options
def threads() -> None:
    """Create and inspect threads."""


@threads.command("create")
@global_options
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def threads_create(client, settings: Settings, pairs: tuple[str, ...], as_json: bool) -> None:
    """Create a thread and print its id."""
    thread = await client.create_thread(metadata=metadata_from_options(pairs, None))
    _ledger(settings).record(thread.id)
    print_json(thread.raw) if as_json else click.echo(thread.id)


@threads.command("get")
@global_options
@click.argument("thread_id")
@run_api
async def threads_get(client, settings: Settings, thread_id: str) -> None:
    """Print a thread's JSON."""
    thread = await client.retrieve_thread(thread_id)
    print_json(thread.raw)


def _ledger(settings: Settings):
    from tui.ledger import ThreadLedger

    return ThreadLedger(settings.ledger_path, settings.backend_id)


# -- messages ------------------------------------------------------------------------------


@main.group()
@global_options
def messages() -> None:
    """List, read, create and update messages."""


@messages.command("list")
@global_options
@click.argument("thread_id")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--after", metavar="MESSAGE_ID", help="Start after this message (exclusive cursor).")
@click.option("--before", metavar="MESSAGE_ID", help="Stop before this message (exclusive cursor).")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Only messages with this metadata pair.")
@click.option("--all", "every_page", is_flag=True, help="Every page (with --json: one message per line).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_list(
    client, settings: Settings, thread_id: str, limit: int, order: str, after: str | None, before: str | None,
    pairs: tuple[str, ...], every_page: bool, as_json: bool,
) -> None:
    """List a thread's messages (newest first by default)."""
    metadata = metadata_from_options(pairs, None)
    if every_page:
        if as_json:
            async for item in client.iter_raw_messages(thread_id, order=order, page_size=limit, metadata=metadata, after=after):
                print_json(item, compact=True)
            return
        first = True
        async for message in client.iter_messages(thread_id, order=order, page_size=limit, metadata=metadata, after=after):
            print_table([message], header=first)
            first = False
        return
    if as_json:
        print_json(await client.list_messages_raw(
            thread_id, limit=limit, order=order, after=after, before=before, metadata=metadata))
        return
    page = await client.list_messages(thread_id, limit=limit, order=order, after=after, before=before, metadata=metadata)
    print_table(page.data)
    if page.has_more:
        click.echo(f"… more: --after {page.last_id}", err=True)


@messages.command("get")
@global_options
@click.argument("thread_id")
@click.argument("message_id")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_get(client, settings: Settings, thread_id: str, message_id: str, as_json: bool) -> None:
    """Show one message."""
    message = await client.retrieve_message(thread_id, message_id)
    if as_json:
        print_json(message.raw)
        return
    click.echo(f"id:         {make_inert(message.id)}")
    click.echo(f"thread_id:  {make_inert(message.thread_id)}")
    click.echo(f"role:       {make_inert(message.role)}")
    click.echo(f"created_at: {message.created.isoformat()} ({message.created_at})")
    if message.assistant_id:
        click.echo(f"assistant:  {make_inert(message.assistant_id)}")
    if message.run_id:
        click.echo(f"run_id:     {make_inert(message.run_id)}")
    for key, value in message.metadata_dict.items():
        click.echo(f"metadata:   {make_inert(str(key))} = {make_inert(str(value))}")
    click.echo("")
    click.echo(make_inert(message.text))


@messages.command("create")
@global_options
@click.argument("thread_id")
@click.option("--content", required=True, help="The message text.")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_create(client, settings: Settings, thread_id: str, content: str, pairs: tuple[str, ...], as_json: bool) -> None:
    """Add a user message and print its id (never retried: a failure may still have created it)."""
    message = await client.create_message(thread_id, content, metadata=metadata_from_options(pairs, None))
    print_json(message.raw) if as_json else click.echo(message.id)


@messages.command("update")
@global_options
@click.argument("thread_id")
@click.argument("message_id")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--metadata-json", metavar="JSON", help="The whole metadata object as JSON.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_update(
    client, settings: Settings, thread_id: str, message_id: str, pairs: tuple[str, ...], metadata_json: str | None, as_json: bool
) -> None:
    """REPLACE a message's metadata with the given pairs (keys not given are removed)."""
    metadata = metadata_from_options(pairs, metadata_json)
    if metadata is None:
        raise click.UsageError("give --metadata KEY=VALUE (repeatable) or --metadata-json '{…}'")
    if settings.read_only:
        fail_usage(settings.read_only_reason())
    from tui.journal import EditJournal

    # Journaled like an edit in the TUI, so `u` there can undo it.
    check_metadata(metadata)
    journal = EditJournal(settings.journal_path, settings.backend_id)
    before = await client.retrieve_message(thread_id, message_id)
    entry = journal.begin(before, before.metadata_dict, metadata)
    try:
        message = await client.modify_message(thread_id, message_id, metadata=metadata)
    except ThreadscopeError as exc:
        journal.mark(entry, "failed", error=str(exc))
        raise
    journal.mark(entry, "saved")
    if as_json:
        print_json(message.raw)
    else:
        click.echo(message.id)
        for key, value in message.metadata_dict.items():
            click.echo(f"  {make_inert(str(key))} = {make_inert(str(value))}")


# -- export --------------------------------------------------------------------------------


@main.command()
@global_options
@click.argument("thread_id")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "md"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@run_api
async def export(client, settings: Settings, thread_id: str, fmt: str, output: Path | None) -> None:
    """Every message of a thread, oldest first, streamed page by page."""
    from tui.export import write_export

    count = await write_export(client, thread_id, fmt, output)
    _ledger(settings).record(thread_id, messages_seen=count, touch=False)
    if output is not None:
        click.echo(f"wrote {count} messages to {output}", err=True)
