"""Goal 3's floor (no goal): the bare app plus the libraries threadscope is built on, one page fetched.

    DASHSCOPE_API_KEY=KEY python bench/floor_app.py THREAD_ID --base-url BASE

Like bench/ui.py's BARE (a Textual app with one Static), but it also imports and uses, as
their authors intend, what `threadscope open` cannot do without: click runs it, pydantic
models a message and validates the page through a TypeAdapter, pydantic_settings reads the
key from the environment, platformdirs names the data directory, and httpx.AsyncClient
fetches the thread's first page on mount (over plain http without loading a CA bundle, as
threadscope does). The Static shows the first message's text only once that page is in:
until then it holds nothing the bench waits for. What threadscope's start takes beyond this
is its own code's.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

# As threadscope's entry point does (tui/__main__.py): no pydantic plugins to scan for.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import click  # noqa: E402
import httpx  # noqa: E402
import platformdirs  # noqa: E402
from pydantic import BaseModel, Field, SecretStr, TypeAdapter  # noqa: E402
from pydantic_settings import BaseSettings, SettingsConfigDict  # noqa: E402
from textual.app import App  # noqa: E402
from textual.widgets import Static  # noqa: E402


class Message(BaseModel):
    id: str
    role: str
    created_at: int
    content: list[dict]


PAGE = TypeAdapter(list[Message])


class FloorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DASHSCOPE_")

    api_key: SecretStr
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("threadscope"))


class Floor(App):
    def __init__(self, settings: FloorSettings, base_url: str, thread_id: str) -> None:
        super().__init__()
        self.settings, self.base_url, self.thread_id = settings, base_url, thread_id

    def compose(self):
        yield Static("loading…")

    def on_mount(self) -> None:
        self.run_worker(self.first_page())

    async def first_page(self) -> None:
        headers = {"Authorization": f"Bearer {self.settings.api_key.get_secret_value()}"}
        # A plain http:// base needs no CA bundle (httpx's default loads one, 25+ ms); threadscope
        # passes the same context (tui/api/exchange.py), so the floor does not pay it either.
        verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) if self.base_url.startswith("http://") else True
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, verify=verify) as http:
            response = await http.get(f"/threads/{self.thread_id}/messages", params={"limit": 20})
        response.raise_for_status()
        messages = PAGE.validate_python(response.json()["data"])
        self.query_one(Static).update(messages[0].content[0]["text"]["value"])


@click.command()
@click.argument("thread_id")
@click.option("--base-url", required=True)
def main(thread_id: str, base_url: str) -> None:
    Floor(FloorSettings(), base_url, thread_id).run()


if __name__ == "__main__":
    main()
