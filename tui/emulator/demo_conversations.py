"""Demo conversations beside the demo threads; deterministic to the byte (fixed ids and times)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

from tui.emulator.conversation_store import item_object
from tui.emulator.storage import Storage

BASE_MS = 1711530000000  # 2024-03-27 09:00:00 UTC, as the demo threads
RNG_SEED = 20240328


def _ids(seed: int) -> Iterator[uuid.UUID]:
    rng = random.Random(seed)
    while True:
        yield uuid.UUID(int=rng.getrandbits(128), version=4)


_conv_ids = _ids(RNG_SEED)
SUPPORT_CHAT = f"conv_{next(_conv_ids)}"
LONG_CHAT = f"conv_{next(_conv_ids)}"
CN_CHAT = f"conv_{next(_conv_ids)}"
EMPTY_CHAT = f"conv_{next(_conv_ids)}"

DEMO_CONVERSATIONS: list[tuple[str, str]] = [
    (SUPPORT_CHAT, "Support chat · system and developer items"),
    (LONG_CHAT, "Load test · 2,400 items"),
    (CN_CHAT, "中文对话 · 发票问题"),
    (EMPTY_CHAT, "New conversation · no items yet"),
]
LONG_SIZE = 2400
METADATA = {
    SUPPORT_CHAT: {"app": "shop-support", "channel": "web", "ticket": "T-4417"},
    LONG_CHAT: {"app": "load-test"},
    CN_CHAT: {"app": "cn-support", "locale": "zh-CN"},
    EMPTY_CHAT: {},
}


def _items(seed: int, turns: list[tuple[str, str]]) -> list[dict[str, Any]]:
    ids = _ids(seed)
    return [item_object(role, [_part(role, text)], item_id=f"msg_{next(ids)}") for role, text in turns]


def _part(role: str, text: str) -> dict[str, str]:
    return {"type": "output_text" if role == "assistant" else "input_text", "text": text}


def _support_chat() -> list[dict[str, Any]]:
    return _items(1, [
        ("system", "You are the support assistant of an online shop. Be brief and polite."),
        ("developer", "Tools: lookup_order(order_id). Never promise a refund before the order is found."),
        ("user", "Hi, my order #A-20931 has not arrived yet. It was due on Monday."),
        ("assistant", "Sorry about that! I found order #A-20931: it left the warehouse on Friday and is "
                      "with the courier. The new estimate is **Thursday**."),
        ("user", "Can I get a refund for the shipping fee?"),
        ("assistant", "Yes: since the delivery is late, the shipping fee (¥12.00) will be refunded to your "
                      "original payment method within 3–5 business days."),
        ("user", "Thanks!"),
    ])


def _cn_chat() -> list[dict[str, Any]]:
    return _items(2, [
        ("system", "你是电商平台的客服助手，回答简洁、礼貌。"),
        ("user", "你好，我想为订单 #B-77120 开具增值税发票。"),
        ("assistant", "您好！请提供公司名称和纳税人识别号，我们会在 1–2 个工作日内开具电子发票。"),
        ("user", "公司名称：杭州示例科技有限公司，税号：91330100MA2XXXXX0Q。"),
        ("assistant", "已收到。电子发票将发送到您账户绑定的邮箱，请注意查收。"),
    ])


def _long_chat() -> Iterator[dict[str, Any]]:
    ids = _ids(3)
    for index in range(LONG_SIZE):
        role = "user" if index % 2 == 0 else "assistant"
        text = f"Load test turn {index // 2 + 1}: " + ("ping" if role == "user" else "pong")
        yield item_object(role, [_part(role, text)], item_id=f"msg_{next(ids)}")


def seed_demo_conversations(storage: Storage) -> bool:
    """Create the demo conversations unless they are there already; True if it seeded."""
    if storage.conversation_exists(SUPPORT_CHAT):
        return False
    first = {SUPPORT_CHAT: _support_chat(), CN_CHAT: _cn_chat()}
    for index, (conversation_id, _label) in enumerate(DEMO_CONVERSATIONS):
        storage.create_conversation(METADATA[conversation_id], first.get(conversation_id, []),
                                    conversation_id=conversation_id, created_at=BASE_MS + 3_600_000 + index * 1000)
    storage.bulk_insert_items(LONG_CHAT, _long_chat())
    return True
