"""Demo threads that look like real DashScope debugging material; deterministic to the byte.

Fixed ids (from a seeded RNG), fixed timestamps, so screenshots and snapshots are stable.
Assistant messages are written through the storage layer, as a run would write them:
the public API (like DashScope's) only creates user messages.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

from tui.emulator.storage import Storage, message_object

BASE_MS = 1711530000000  # 2024-03-27 09:00:00 UTC
RNG_SEED = 20240327


def _ids(seed: int) -> Iterator[uuid.UUID]:
    rng = random.Random(seed)
    while True:
        yield uuid.UUID(int=rng.getrandbits(128), version=4)


_thread_ids = _ids(RNG_SEED)
ORDER_BOT = f"thread_{next(_thread_ids)}"
RAG_DOCS = f"thread_{next(_thread_ids)}"
CN_SUPPORT = f"thread_{next(_thread_ids)}"
CODE_REVIEW = f"thread_{next(_thread_ids)}"
AGENT_LOOP = f"thread_{next(_thread_ids)}"
EMPTY = f"thread_{next(_thread_ids)}"

DEMO_THREADS: list[tuple[str, str]] = [
    (ORDER_BOT, "Order support bot · lookup_order tool call"),
    (RAG_DOCS, "Docs assistant · file citations"),
    (CN_SUPPORT, "中文客服 · 退款咨询"),
    (CODE_REVIEW, "Code review assistant · long Markdown"),
    (AGENT_LOOP, "Agent loop · 2,500 messages"),
    (EMPTY, "New thread · no messages yet"),
]
LOOP_SIZE = 2500

ASSISTANT_ORDERS = "asst_7c1f8e2a-4b5d-4e6f-9a0b-1c2d3e4f5a6b"
ASSISTANT_DOCS = "asst_2e9d4c1b-8a7f-4c3e-b2d1-0f9e8d7c6b5a"
ASSISTANT_CN = "asst_5b3a2c1d-0e9f-4a8b-8c7d-6e5f4a3b2c1d"
ASSISTANT_REVIEW = "asst_9f8e7d6c-5b4a-4392-8170-f6e5d4c3b2a1"
ASSISTANT_AGENT = "asst_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


class _Writer:
    """Builds one thread's messages with deterministic ids and times."""

    def __init__(self, thread_id: str, start_ms: int, seed: int) -> None:
        self.thread_id = thread_id
        self.clock = start_ms
        self.ids = _ids(seed)
        self.rng = random.Random(seed)
        self.messages: list[dict[str, Any]] = []

    def _tick(self, seconds: float) -> int:
        self.clock += int(seconds * 1000)
        return self.clock

    def run_id(self) -> str:
        return f"run_{next(self.ids)}"

    def user(self, text: str, metadata: dict[str, str] | None = None, after: float = 40) -> None:
        self.messages.append(message_object(
            message_id=f"message_{next(self.ids)}", thread_id=self.thread_id, created_at=self._tick(after),
            role="user", text=text, metadata=metadata,
        ))

    def assistant(self, text: str, assistant_id: str, run_id: str, *, after: float = 4, **fields: Any) -> None:
        self.messages.append(message_object(
            message_id=f"message_{next(self.ids)}", thread_id=self.thread_id, created_at=self._tick(after),
            role="assistant", text=text, assistant_id=assistant_id, run_id=run_id,
            status=fields.pop("status", {"status": "completed"}), **fields,
        ))


def _order_bot() -> list[dict[str, Any]]:
    w = _Writer(ORDER_BOT, BASE_MS, 1)
    w.user("Hi, my order #A-20931 hasn't arrived. It was supposed to come on Monday.",
           {"channel": "web", "customer_tier": "gold"})
    run = w.run_id()
    call = {
        "id": "call_3f1e9c2a7b",
        "type": "function",
        "function": {"name": "lookup_order", "arguments": json.dumps({"order_id": "A-20931"}),
                     "output": json.dumps({"status": "in_transit", "carrier": "SF Express",
                                           "eta": "2024-03-28", "last_scan": "Hangzhou hub"})},
    }
    w.assistant("", ASSISTANT_ORDERS, run, tool_calls=[call], status={"status": "requires_action"}, after=2)
    w.assistant(
        "I found your order **A-20931**. It's in transit with SF Express and was last scanned at the "
        "Hangzhou hub. The new estimated delivery date is **March 28**.\n\nWould you like me to send you "
        "the tracking link?", ASSISTANT_ORDERS, run, after=3,
    )
    w.user("Yes please. Also can I change the address to my office?", {"channel": "web"})
    run = w.run_id()
    w.assistant(
        "Here's your tracking link: https://example.com/track/A-20931\n\nI can't change the address of a "
        "parcel that is already in transit, but I've opened a redirect request with the carrier "
        "(ticket **T-88412**). They'll confirm within 24 hours.",
        ASSISTANT_ORDERS, run,
        tool_calls=[{"id": "call_8d2c4e6f1a", "type": "function",
                     "function": {"name": "open_redirect_ticket",
                                  "arguments": json.dumps({"order_id": "A-20931", "reason": "address_change"}),
                                  "output": json.dumps({"ticket": "T-88412"})}}],
    )
    w.user("What's the weather in Hangzhou tomorrow? Wondering if it'll be delayed.")
    run = w.run_id()
    w.assistant(
        "Tomorrow in Hangzhou: light rain, 14–19 °C. Rain rarely delays SF Express deliveries in the city, "
        "so March 28 still looks right.", ASSISTANT_ORDERS, run,
        plugin_call={"name": "weather", "arguments": json.dumps({"city": "Hangzhou", "date": "2024-03-28"}),
                     "output": "light rain, 14-19C"},
    )
    w.user("Thanks!", {"channel": "web", "csat": "5"})
    w.assistant("You're welcome! Anything else I can help with?", ASSISTANT_ORDERS, w.run_id())
    return w.messages


def _rag_docs() -> list[dict[str, Any]]:
    w = _Writer(RAG_DOCS, BASE_MS + 3_600_000, 2)
    w.user("How do I rotate an API key without downtime?", {"source": "slack", "team": "platform"})
    run = w.run_id()
    text = (
        "To rotate a key without downtime:\n\n"
        "1. Create a second key in the console 【0†api-keys.md】.\n"
        "2. Deploy it alongside the old one and switch traffic gradually.\n"
        "3. Revoke the old key once its call count drops to zero 【1†security-guide.pdf】.\n\n"
        "Keys are scoped to one region and, for sub-workspaces, to one workspace."
    )
    annotations = [
        {"type": "file_citation", "text": "【0†api-keys.md】", "start_index": 60, "end_index": 75,
         "file_citation": {"file_id": "file-3b9c1e7a", "quote": "You can hold two active keys per account."}},
        {"type": "file_citation", "text": "【1†security-guide.pdf】", "start_index": 190, "end_index": 212,
         "file_citation": {"file_id": "file-8f2d4a6c", "quote": "Revoke unused keys promptly."}},
    ]
    w.assistant(text, ASSISTANT_DOCS, run, annotations=annotations)
    w.user("Does the workspace id need to change too?")
    w.assistant(
        "No. The workspace id stays the same; only requests made with a sub-workspace key must send "
        "`X-DashScope-WorkSpace` 【0†api-keys.md】.", ASSISTANT_DOCS, w.run_id(),
        annotations=[{"type": "file_citation", "text": "【0†api-keys.md】", "start_index": 104, "end_index": 119,
                      "file_citation": {"file_id": "file-3b9c1e7a", "quote": "Sub-workspace keys need the header."}}],
    )
    return w.messages


def _cn_support() -> list[dict[str, Any]]:
    w = _Writer(CN_SUPPORT, BASE_MS + 7_200_000, 3)
    w.user("你好，我上周买的蓝牙耳机左耳没有声音，可以退货吗？", {"channel": "app", "order": "CN-55120"})
    w.assistant(
        "您好！很抱歉给您带来不便。根据我们的退换货政策：\n\n"
        "| 情况 | 处理方式 | 时限 |\n|---|---|---|\n"
        "| 质量问题 | 免费退货或换新 | 签收后 15 天内 |\n"
        "| 无理由退货 | 退货，运费自理 | 签收后 7 天内 |\n\n"
        "您的订单 **CN-55120** 签收于 3 月 20 日，属于质量问题且在 15 天内，可以**免费换新**或**全额退款**。"
        "请问您希望哪一种？", ASSISTANT_CN, w.run_id(),
    )
    w.user("退款吧，钱退到哪里？")
    w.assistant(
        "好的，已为您提交退款申请（工单号 **RF-20240327-118**）。款项将原路退回到您的支付宝账户，"
        "一般 1–3 个工作日到账。快递员会在明天上门取件，请保留耳机和包装盒。",
        ASSISTANT_CN, w.run_id(),
        tool_calls=[{"id": "call_cn_refund_01", "type": "function",
                     "function": {"name": "create_refund",
                                  "arguments": json.dumps({"order": "CN-55120", "reason": "质量问题"}, ensure_ascii=False),
                                  "output": json.dumps({"ticket": "RF-20240327-118"})}}],
    )
    w.user("谢谢！", {"csat": "5"})
    return w.messages


def _code_review() -> list[dict[str, Any]]:
    w = _Writer(CODE_REVIEW, BASE_MS + 10_800_000, 4)
    w.user("Review this retry helper please:\n\n```python\ndef fetch(url):\n    for i in range(5):\n"
           "        try:\n            return requests.get(url)\n        except Exception:\n"
           "            time.sleep(1)\n```", {"repo": "billing-service", "pr": "1432"})
    review = """## Review of `fetch`

Three problems, in order of severity:

### 1. It retries things that must not be retried
`except Exception` also catches `KeyboardInterrupt`-adjacent bugs in your own code and
retries them. Catch only transport errors:

```python
from requests.exceptions import ConnectionError, Timeout

RETRYABLE = (ConnectionError, Timeout)
```

### 2. It never gives up loudly
After five failures it returns `None`, and the caller crashes later, far from the cause.

### 3. Fixed one-second sleeps
Use exponential backoff with jitter, and honour `Retry-After` on 429:

```python
def fetch(url, tries=5):
    for attempt in range(tries):
        try:
            response = requests.get(url, timeout=10)
        except RETRYABLE:
            if attempt == tries - 1:
                raise
        else:
            if response.status_code not in (429, 502, 503, 504):
                return response
        time.sleep(min(30, 2 ** attempt) * random.random())
    response.raise_for_status()
```

| concern | before | after |
|---|---|---|
| retries non-network bugs | yes | no |
| timeout | none | 10 s |
| backoff | fixed 1 s | exponential, jittered |
| failure | returns `None` | raises |

> Note: never retry a non-idempotent POST this way; it can create duplicates.
"""
    w.assistant(review, ASSISTANT_REVIEW, w.run_id(), after=20)
    w.user("Good catch on the POST. Can you check [PATCH] handling too? Our titles look like "
           "`[PATCH] fix` and `[bold]` in logs.", {"repo": "billing-service", "pr": "1432"})
    w.assistant("PATCH is idempotent only if your handler makes it so: a `[PATCH] fix` that appends to a list "
                "is not. Treat it like POST unless you send an idempotency key.", ASSISTANT_REVIEW, w.run_id())
    return w.messages


LOOP_TOOLS = ["search_web", "read_page", "summarize", "check_facts"]


def _agent_loop() -> Iterator[dict[str, Any]]:
    w = _Writer(AGENT_LOOP, BASE_MS + 14_400_000, 5)
    w.user("Research the top 5 open-source vector databases and compare them. Keep going until you're sure.",
           {"job": "research-42", "budget": "unlimited"})
    yield from w.messages
    run = w.run_id()
    for step in range(1, LOOP_SIZE):
        w.messages = []
        if step % 250 == 0:
            w.user(f"Status check #{step // 250}: are you still making progress?", {"job": "research-42"}, after=5)
        else:
            tool = LOOP_TOOLS[step % len(LOOP_TOOLS)]
            w.assistant(
                f"Step {step}: calling `{tool}` again — the previous result was inconclusive "
                f"(confidence {w.rng.randint(41, 69)}%).",
                ASSISTANT_AGENT, run, after=w.rng.choice((0, 0, 1, 2)),
                tool_calls=[{"id": f"call_loop_{step:05d}", "type": "function",
                             "function": {"name": tool, "arguments": json.dumps({"query": "vector database comparison",
                                                                                  "step": step})}}],
                status={"status": "in_progress"},
            )
            if step % 100 == 0:
                w.messages[-1]["metadata"] = {"checkpoint": str(step // 100)}
        yield from w.messages


def seed_demo(storage: Storage) -> bool:
    """Create the demo threads and conversations unless they are there already; True if it seeded."""
    from tui.emulator.demo_conversations import seed_demo_conversations

    conversations = seed_demo_conversations(storage)  # also into a database seeded before conversations
    if storage.thread_exists(ORDER_BOT):
        return conversations
    metadata = {
        ORDER_BOT: {"app": "shop-support", "env": "staging"},
        RAG_DOCS: {"app": "docs-qa"},
        CN_SUPPORT: {"app": "cn-support", "locale": "zh-CN"},
        CODE_REVIEW: {"app": "review-bot"},
        AGENT_LOOP: {"app": "research-agent", "incident": "INC-2291"},
        EMPTY: {},
    }
    for index, (thread_id, _label) in enumerate(DEMO_THREADS):
        storage.create_thread(metadata[thread_id], thread_id=thread_id, created_at=BASE_MS - 60_000 + index * 1000)
    for build in (_order_bot, _rag_docs, _cn_support, _code_review, _agent_loop):
        storage.bulk_insert_messages(build())
    return True
