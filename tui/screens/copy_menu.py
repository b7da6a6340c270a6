"""The copy menu (`y`): id, thread or conversation id, text, JSON, a curl command, an SDK snippet.

For a message the snippet uses the `dashscope` SDK; for a conversation item, the `openai` SDK.
"""

from __future__ import annotations

import shlex
from urllib.parse import quote

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.api.models import Item, Message
from tui.inert import inert_json
from tui.widgets.key_bar import KeyBar


def curl_command(message: Message, base_url: str, workspace: str | None) -> str:
    """A curl command that retrieves this message; the key stays in $DASHSCOPE_API_KEY."""
    # Ids come from the server: percent-encode anything but the id alphabet, so no control
    # character (e.g. ESC[201~ ending a bracketed paste) can ride along into a shell.
    url = f"{base_url}/threads/{quote(message.thread_id, safe='_-.')}/messages/{quote(message.id, safe='_-.')}"
    lines = [f"curl --location {shlex.quote(url)}", "  --header 'Content-Type: application/json'",
             '  --header "Authorization: Bearer $DASHSCOPE_API_KEY"']
    if workspace:
        lines.append(f"  --header {shlex.quote('X-DashScope-WorkSpace: ' + workspace)}")
    return " \\\n".join(lines)


def sdk_snippet(message: Message, base_url: str, workspace: str | None) -> str:
    """Python with the official SDK that retrieves this message; the key comes from the environment."""
    workspace_arg = f", workspace={workspace!r}" if workspace else ""
    return (
        "import os\n\nimport dashscope\nfrom dashscope import Messages\n\n"
        f"dashscope.base_http_api_url = {base_url!r}\n"
        f"message = Messages.retrieve({message.id!r}, thread_id={message.thread_id!r}, "
        f"api_key=os.getenv('DASHSCOPE_API_KEY'){workspace_arg})\n"
        "print(message)\n"
    )


def item_curl_command(item: Item, conversation_id: str, compat_base_url: str, workspace: str | None) -> str:
    """A curl command that retrieves this item; the key stays in $DASHSCOPE_API_KEY."""
    url = (f"{compat_base_url}/conversations/{quote(conversation_id, safe='_-.')}"
           f"/items/{quote(item.id, safe='_-.')}")
    lines = [f"curl --location {shlex.quote(url)}", '  --header "Authorization: Bearer $DASHSCOPE_API_KEY"']
    if workspace:
        lines.append(f"  --header {shlex.quote('X-DashScope-WorkSpace: ' + workspace)}")
    return " \\\n".join(lines)


def openai_snippet(item: Item, conversation_id: str, compat_base_url: str) -> str:
    """Python with the official `openai` SDK that retrieves this item; the key comes from the environment."""
    return (
        "import os\n\nfrom openai import OpenAI\n\n"
        f"client = OpenAI(base_url={compat_base_url!r}, api_key=os.getenv('DASHSCOPE_API_KEY'))\n"
        f"item = client.conversations.items.retrieve({item.id!r}, conversation_id={conversation_id!r})\n"
        "print(item)\n"
    )


def item_copy_choices(item: Item, conversation_id: str, compat_base_url: str,
                      workspace: str | None) -> list[tuple[str, str, str]]:
    """(id, what the notice calls it, the text) for each thing the menu can copy of an item."""
    return [
        ("id", "item id", item.id),
        ("conversation", "conversation id", conversation_id),
        ("text", "item text", item.text),
        ("json", "item JSON", inert_json(item.raw)),
        ("curl", "curl command", item_curl_command(item, conversation_id, compat_base_url, workspace)),
        ("sdk", "Python openai SDK snippet", openai_snippet(item, conversation_id, compat_base_url)),
    ]


def copy_choices(message: Message, base_url: str, workspace: str | None) -> list[tuple[str, str, str]]:
    """(id, what the notice calls it, the text) for each thing the menu can copy."""
    return [
        ("id", "message id", message.id),
        ("thread", "thread id", message.thread_id),
        ("text", "message text", message.text),
        ("json", "message JSON", inert_json(message.raw)),
        ("curl", "curl command", curl_command(message, base_url, workspace)),
        ("sdk", "Python SDK snippet", sdk_snippet(message, base_url, workspace)),
    ]


class CopyMenu(ModalScreen[tuple[str, str] | None]):
    """Pick what to copy; dismisses with (what, text)."""

    DEFAULT_CSS = """
    CopyMenu { align: center middle; }
    CopyMenu > Vertical { width: 60; height: auto; border: round $accent; background: $surface; padding: 1 2; }
    CopyMenu OptionList { height: auto; max-height: 12; border: none; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="copy.cancel")]

    def __init__(self, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Copy…", markup=False)
            yield OptionList(*[Option(f"{index + 1}  {label}", id=key) for index, (key, label, _) in enumerate(self.choices)])
        yield KeyBar()  # the dialog's keys, over the screen's below

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.choices):
                event.stop()
                self.dismiss((self.choices[index][1], self.choices[index][2]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next(c for c in self.choices if c[0] == event.option.id)
        self.dismiss((chosen[1], chosen[2]))

    def action_cancel(self) -> None:
        self.dismiss(None)
