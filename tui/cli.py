"""The `threadscope` command: global options, the API subcommands, `serve`, and the TUI.

Exit codes: 0 ok; 1 the API (or network) failed, with code and request_id on stderr;
2 a usage error, including input the API would refuse (caught before sending).
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from tui import __version__
from tui.api.errors import APIError, NotFoundError, ProtocolError, ThreadscopeError, TransportError
from tui.api.validation import ValidationError, check_metadata
from tui.base_url import base_url_problem, path_looks_wrong, shown_url, with_api_path
from tui.cli_output import echo, print_detail, print_json, print_table
from tui.config import ConfigError, Settings, resolve_settings
from tui.ids import is_owner_id
from tui.inert import make_inert

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
            check_base_url(None, given)
            settings = resolve_settings(**{k: given.get(k) for k in GLOBAL_KEYS if k != "demo"}, demo=bool(given.get("demo")))
        except ConfigError as exc:
            fail_usage(str(exc))
        for warning in settings.warnings:
            click.echo(f"warning: {warning}", err=True)
        check_base_url(settings, given)
        root.meta["threadscope.settings"] = settings
    return root.meta["threadscope.settings"]


# Each base URL setting: its key, flag and environment variable, in the order they win.
URL_SOURCES = (("base_url", "--base-url", "DASHSCOPE_HTTP_BASE_URL"),
               ("compat_base_url", "--compat-base-url", "DASHSCOPE_COMPAT_BASE_URL"))


def check_base_url(settings: Settings | None, given: dict[str, Any]) -> None:
    """A base URL no request can go to is a usage error, named by where it came from.

    Called before settings are resolved (the flag or variable that wins) and after (a
    profile's value); a forced demo sends nothing anywhere, so nothing is checked.
    """
    if given.get("demo") or (settings is not None and settings.embedded):
        return
    for key, flag, variable in URL_SOURCES:
        if given.get(key):
            value, source = given[key], flag
        elif os.environ.get(variable):
            value, source = os.environ[variable], variable
        elif settings is not None and getattr(settings, key, None):
            value, source = getattr(settings, key), f"the profile's {key}"
        else:
            continue
        problem = base_url_problem(value)
        if problem:
            fail_usage(f"{source} {shown_url(value)!r}: {problem}")


def fail_usage(message: str) -> None:
    echo(f"error: {message}", err=True)
    sys.exit(2)


def explain(exc: ThreadscopeError, settings: Settings) -> str:
    """The error for a person; a 404 or a non-API answer from a base URL without /api/v1 blames the path."""
    text = exc.describe()
    if isinstance(exc, NotFoundError | ProtocolError) and settings.base_url and path_looks_wrong(settings.base_url):
        first = text.split("\nHint:", 1)[0]
        text = (f"{first}\nHint: the base URL's path looks wrong: {settings.base_url} does not end in /api/v1"
                f" (try --base-url {with_api_path(settings.base_url)})")
    elif (isinstance(exc, TransportError) and exc.detail.startswith("cannot connect") and settings.base_url
          and path_looks_wrong(settings.base_url)):
        text += f"; a base URL normally ends in /api/v1 (--base-url {with_api_path(settings.base_url)})"
    return make_inert(text)


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
            result = asyncio.run(main())
            note_embedded_write(settings)
            return result
        except ValidationError as exc:
            fail_usage(exc.message)
        except ThreadscopeError as exc:
            echo(f"error: {explain(exc, settings)}", err=True)
            if settings.embedded and isinstance(exc, APIError | ProtocolError | TransportError):
                echo(f"(backend: embedded emulator — set {settings.key_variable} to use DashScope)", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # `threadscope … | head`: the reader went away; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)

    return wrapper


def check_writable(settings: Settings) -> None:
    """A read-only profile refuses every write, before anything is sent."""
    if settings.read_only:
        fail_usage(settings.read_only_reason())
    click.get_current_context().find_root().meta["threadscope.writes"] = True


def note_embedded_write(settings: Settings) -> None:
    """A write that landed on the embedded emulator says so, once, on stderr (stdout stays the ids).

    Reads say nothing: the demo's data shows what it is, and the README's examples pipe it to jq.
    """
    if (click.get_current_context().find_root().meta.get("threadscope.writes") and settings.embedded
            and not settings.demo and not settings.demo_fallback_said):
        echo(f"(embedded emulator — set {settings.key_variable} to use DashScope)", err=True)


def print_saved_metadata(object_id: str, metadata: dict[str, Any]) -> None:
    """What an update saved: the id, then one `key = value` line per pair."""
    echo(make_inert(object_id))
    for key, value in metadata.items():
        echo(f"  {make_inert(str(key))} = {make_inert(str(value))}")


def required_metadata(pairs: tuple[str, ...], metadata_json: str | None) -> dict[str, str]:
    """The metadata an update replaces the old with; giving none is a usage error."""
    metadata = metadata_from_options(pairs, metadata_json)
    if metadata is None:
        raise click.UsageError("give --metadata KEY=VALUE (repeatable) or --metadata-json '{…}'")
    return metadata


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
    """The metadata given by `--metadata k=v…` and/or `--metadata-json '{…}'` (pairs win), validated;
    a problem is reported against the option that holds it."""
    if not pairs and metadata_json is None:
        return None
    data: dict[str, Any] = {}
    if metadata_json is not None:
        try:
            data = json.loads(metadata_json)
        except ValueError as exc:
            raise click.BadParameter(f"not valid JSON: {exc}", param_hint="--metadata-json") from None
        _check_metadata_option(data, "--metadata-json")
    given = parse_pairs(pairs)
    _check_metadata_option(given, "--metadata")
    data.update(given)
    hint = "--metadata" if not metadata_json else ("--metadata-json" if not pairs else "--metadata/--metadata-json")
    return _check_metadata_option(data, hint)


def _check_metadata_option(data: Any, hint: str) -> dict[str, str]:
    try:
        return check_metadata(data)
    except ValidationError as exc:
        raise click.BadParameter(exc.message, param_hint=hint) from None


# -- the command group ---------------------------------------------------------------------


class LazyGroup(click.Group):
    """A group whose commands kept in other modules load when named (click's "Lazily Loading Subcommands"):
    a start of the TUI parses no options of commands it does not run."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands  # command name -> "module.attribute"

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self.lazy_commands[cmd_name].rpartition(".")
        return getattr(importlib.import_module(module), attribute)


# Command groups kept in their own modules, each imported when its command is run (or --help lists it).
LAZY_COMMANDS = {"conversations": "tui.cli_conversations.conversations", "items": "tui.cli_conversations.items",
                 "grep": "tui.cli_grep.grep", "migrate": "tui.migrate_cli.migrate"}


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="threadscope")
@global_options
@click.pass_context
def main(ctx: click.Context) -> None:
    """threadscope: browse DashScope threads and conversations from the terminal.

    With no key (DASHSCOPE_API_KEY) and no --base-url, everything runs on the embedded
    emulator with demo data.
    """
    if ctx.invoked_subcommand is None:
        run_tui(current_settings(), None)


def run_tui(settings: Settings, thread_id: str | None, message_id: str | None = None) -> None:
    """Start the TUI on the ledger, or on one thread."""
    from tui import gc_policy

    async def session() -> None:
        from tui.app import ThreadscopeApp
        from tui.backend import build_client

        client = build_client(settings)
        try:
            await ThreadscopeApp(settings, client, open_thread=thread_id, open_message=message_id).run_async()
        finally:
            await client.aclose()

    try:
        with gc_policy.off_until_first_paint():  # the app's first paint turns it on again
            asyncio.run(session())
    except KeyboardInterrupt:  # before the app owns the terminal (once it runs, ctrl+c is a key)
        echo("interrupted", err=True)
        sys.exit(130)


@main.command("open")
@global_options
@click.argument("thread_id")
@click.option("--message", "message_id", metavar="MSG_ID",
              help="Open at the page around this message or item, highlighted.")
def open_thread(thread_id: str, message_id: str | None) -> None:
    """Open the TUI on a thread (thread_…) or a conversation (conv_…); at MSG_ID with --message."""
    if not is_owner_id(thread_id):
        fail_usage(f"{thread_id!r} is not a thread or conversation id (they look like thread_<uuid> or conv_<id>)")
    if message_id is not None and not message_id.strip():
        fail_usage("--message needs a message or item id")
    run_tui(current_settings(), thread_id, message_id)


# The README's "Faults on purpose", for `serve --help` (tests/cli/test_serve.py holds it to tui.emulator.faults).
FAULTS_HELP = """\b
--faults SPEC: comma-separated rules OPERATION:FAULT[@PROBABILITY][xCOUNT]
OPERATION  threads: create_thread get_thread update_thread delete_thread
             create list get update (create, get, update: a message)
           conversations: create_conversation get_conversation
             update_conversation delete_conversation
             create_items list_items get_item delete_item
           any: every request
FAULT      a status: 400 401 403 404 429 500 502 503 504 (429: Retry-After 1)
           delay=2s or delay=200ms: wait first (every matching delay applies)
           reset: the connection drops, nothing done
           lost: done, then a gateway 504
           drop: done, then the connection drops (the answer is lost)
           malformed, html, empty: a broken body
@0.3       on 30 % of the matching requests;  x2  on the first 2 only
e.g. --faults 'create_items:drop@0.3,list_items:429x2,any:delay=200ms'
"""


@main.command(epilog=FAULTS_HELP)
# Only what serving means: the client's options (base URL, region, demo, workspace, profile) are not.
@global_options(exclude=("api_key", "base_url", "compat_base_url", "region", "demo", "workspace", "profile"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (non-loopback needs --api-key).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="SQLite file (default: the embedded one).")
@click.option("--demo-data", is_flag=True, help="Seed the demo threads and conversations if the database has none.")
@click.option("--api-key", "serve_key", metavar="KEY", help="Accept only this key (401 InvalidApiKey otherwise).")
@click.option("--faults", metavar="SPEC", help="Misbehave on purpose (the rules are below).")
def serve(host: str, port: int, db_path: Path | None, demo_data: bool, serve_key: str | None, faults: str | None) -> None:
    """Serve the emulator over HTTP: threads at http://HOST:PORT/api/v1, conversations at
    http://HOST:PORT/compatible-mode/v1 (the official dashscope and openai SDKs work against it)."""
    from tui.config import data_dir
    from tui.emulator.server import ServeError
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
    except ServeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except ValueError as exc:
        fail_usage(str(exc))


# -- threads -------------------------------------------------------------------------------


@main.group()
@global_options
def threads() -> None:
    """Create, read, update and delete threads."""


@threads.command("create")
@global_options
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def threads_create(client, settings: Settings, pairs: tuple[str, ...], as_json: bool) -> None:
    """Create a thread and print its id."""
    check_writable(settings)
    thread = await client.create_thread(metadata=metadata_from_options(pairs, None))
    _ledger(settings).record(thread.id)
    print_json(thread.raw) if as_json else echo(make_inert(thread.id))


@threads.command("get")
@global_options
@click.argument("thread_id")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def threads_get(client, settings: Settings, thread_id: str, as_json: bool) -> None:
    """Show a thread: id, creation time, metadata."""
    thread = await client.retrieve_thread(thread_id)
    print_json(thread.raw) if as_json else print_detail(thread.raw, ("id", "created_at"))


@threads.command("update")
@global_options
@click.argument("thread_id")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--metadata-json", metavar="JSON", help="The whole metadata object as JSON ('{}' clears it).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def threads_update(
    client, settings: Settings, thread_id: str, pairs: tuple[str, ...], metadata_json: str | None, as_json: bool
) -> None:
    """REPLACE a thread's metadata with the given pairs (keys not given are removed)."""
    metadata = required_metadata(pairs, metadata_json)
    check_writable(settings)
    thread = await client.modify_thread(thread_id, metadata=metadata)
    print_json(thread.raw) if as_json else print_saved_metadata(thread.id, thread.metadata or {})


@threads.command("delete")
@global_options
@click.argument("thread_id")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def threads_delete(client, settings: Settings, thread_id: str, as_json: bool) -> None:
    """Delete a thread and its messages."""
    check_writable(settings)
    deleted = await client.delete_thread(thread_id)
    _ledger(settings).forget(thread_id)
    print_json(deleted.raw) if as_json else echo(f"deleted {make_inert(deleted.id)}")


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
@click.option("--all", "every_page", is_flag=True, help="Every page, one message per line as JSON (JSON lines).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_list(
    client, settings: Settings, thread_id: str, limit: int, order: str, after: str | None, before: str | None,
    pairs: tuple[str, ...], every_page: bool, as_json: bool,
) -> None:
    """List a thread's messages (newest first by default); --all prints every page as JSON lines."""
    metadata = metadata_from_options(pairs, None)
    if every_page:
        if before:
            raise click.UsageError("--before cannot be combined with --all (it walks forward with --after)")
        async for item in client.iter_raw_messages(thread_id, order=order, page_size=limit, metadata=metadata, after=after):
            print_json(item, compact=True)
        return
    if as_json:
        print_json(await client.list_messages_raw(
            thread_id, limit=limit, order=order, after=after, before=before, metadata=metadata))
        return
    page = await client.list_messages(thread_id, limit=limit, order=order, after=after, before=before, metadata=metadata)
    print_table(message.raw for message in page.data)
    if page.has_more:
        echo(f"… more: --after {make_inert(page.last_id or '')}", err=True)


@messages.command("get")
@global_options
@click.argument("thread_id")
@click.argument("message_id")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_get(client, settings: Settings, thread_id: str, message_id: str, as_json: bool) -> None:
    """Show one message: its fields, metadata, text, tool and plugin calls."""
    message = await client.retrieve_message(thread_id, message_id)
    if as_json:
        print_json(message.raw)
        return
    print_detail(message.raw, ("id", "thread_id", "role", "created_at", "assistant_id", "run_id"))


@messages.command("create")
@global_options
@click.argument("thread_id")
@click.option("--content", required=True, help="The message text.")
@click.option("--metadata", "pairs", multiple=True, metavar="KEY=VALUE", help="Metadata pair (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@run_api
async def messages_create(client, settings: Settings, thread_id: str, content: str, pairs: tuple[str, ...], as_json: bool) -> None:
    """Add a user message and print its id (never retried: a failure may still have created it)."""
    check_writable(settings)
    message = await client.create_message(thread_id, content, metadata=metadata_from_options(pairs, None))
    print_json(message.raw) if as_json else echo(make_inert(message.id))


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
    metadata = required_metadata(pairs, metadata_json)
    check_writable(settings)
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
        print_saved_metadata(message.id, message.metadata_dict)


# -- export --------------------------------------------------------------------------------


@main.command()
@global_options
@click.argument("target_id", metavar="THREAD_OR_CONV")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "md"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
@run_api
async def export(client, settings: Settings, target_id: str, fmt: str, output: Path | None) -> None:
    """Every message of a thread (or item of a conversation, conv_…), oldest first, streamed page by page."""
    from tui.export import write_export
    from tui.ids import is_conversation

    if output is not None and not output.resolve().parent.is_dir():
        fail_usage(f"cannot write {output}: the directory {output.parent} does not exist")
    count = await write_export(client, target_id, fmt, output)
    _ledger(settings).record(target_id, messages_seen=count, touch=False)
    if output is not None:
        noun = "item" if is_conversation(target_id) else "message"
        echo(f"wrote {count} {noun}{'' if count == 1 else 's'} to {output}", err=True)

