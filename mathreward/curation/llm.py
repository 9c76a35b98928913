"""Optional LLM rewrite for answers no rule covers, through any OpenAI-compatible /v1/chat/completions endpoint.

DAPO's four steps (extract the answer format, rewrite the problem, solve the rewritten problem, give an integer)
are asked for in one JSON reply. The reply is never trusted: the integer must be the sum of integer letters, the
letters must not clash with the problem's variables, and where the original answer can be rebuilt, the format with
the letters substituted must equal it (checked with the verifiers' bounded comparison). Replies are cached on disk
by (url, model, prompt), so a rerun never pays twice. Requests run concurrently (a thread pool) with retries and
exponential backoff on network errors, 429 and 5xx.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mathreward.curation.answer_format import restate_format
from mathreward.curation.answers import INT64_MAX, INT64_MIN, classify, value_of
from mathreward.curation.rewrite_rules import form_letters, problem_variables, substitute
from mathreward.curation.steps import Step, StepContext

SYSTEM_PROMPT = (
    "You turn competition math problems into problems whose answer is a single integer. Reply with JSON only."
)

USER_PROMPT = """Below is a math problem and its correct answer. Work in four steps.
1. Extract the answer format: write the answer as a LaTeX expression in which single letters stand for integers
   (for example "k-m\\sqrt{{n}}" or "\\frac{{a}}{{b}}x^2+c"). Do not use any letter that appears in the problem.
2. Rewrite the problem: state the format and the conditions on the letters (positive, relatively prime, ...).
3. Solve the rewritten problem: give the value of every letter for the answer above.
4. Give the integer: the sum of all the letters.
Reply with one JSON object and nothing else:
{{"answer_format": "<LaTeX with letters>", "conditions": "<e.g. m and n are relatively prime positive integers>",
 "letters": {{"<letter>": <integer>, ...}}, "integer_answer": <integer>}}

Problem:
{problem}

Answer:
{answer}"""

MAX_REPLY_CHARS = 20000
MAX_FORMAT_CHARS = 160


def endpoint(url: str) -> str:
    """The chat-completions URL for a base URL (``http://host:8000``, ``.../v1`` or the full path)."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if url.endswith("/v1"):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


class ReplyCache:
    """Append-only JSONL cache of raw replies keyed by a SHA-256 of (url, model, prompt); safe across threads."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path else None
        self.entries: dict[str, str] = {}
        self.lock = threading.Lock()
        if self.path and self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.entries[entry["key"]] = entry["reply"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue

    @staticmethod
    def key(url: str, model: str, prompt: str) -> str:
        return hashlib.sha256(json.dumps([url, model, prompt]).encode()).hexdigest()

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, reply: str) -> None:
        with self.lock:
            self.entries[key] = reply
            if self.path:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"key": key, "reply": reply}, ensure_ascii=False) + "\n")


class LLMError(Exception):
    """A request that failed after its retries (the message is the reject reason)."""


class LLMRewrite(Step):
    """Rewrite rows the rules could not, through an OpenAI-compatible chat endpoint, and verify each reply."""

    name = "llm_rewrite"
    row_local = False

    def __init__(
        self,
        url: str,
        model: str,
        key_env: str = "MATHREWARD_LLM_KEY",
        cache_path: str | Path | None = ".mathreward_llm_cache.jsonl",
        concurrency: int = 4,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 60.0,
        accept_unverified: bool = False,
    ):
        self.url = endpoint(url)
        self.model = model
        self.key = os.environ.get(key_env, "")
        self.cache = ReplyCache(cache_path)
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.accept_unverified = accept_unverified
        self.requests = 0
        self.cache_hits = 0
        self._count_lock = threading.Lock()

    def prompt(self, record: dict) -> str:
        return USER_PROMPT.format(problem=record["problem"], answer=record["answer"])

    def _post(self, prompt: str) -> str:
        import httpx

        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}],
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        last = "no attempt"
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            with self._count_lock:
                self.requests += 1
            try:
                response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
            except httpx.HTTPError as exc:
                last = f"network:{type(exc).__name__}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"http_{response.status_code}"
                continue
            if response.status_code != 200:
                raise LLMError(f"http_{response.status_code}")
            try:
                return response.json()["choices"][0]["message"]["content"] or ""
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise LLMError("bad_protocol_reply") from exc
        raise LLMError(f"retries_exhausted:{last}")

    def ask(self, record: dict) -> str:
        """The model's reply for a record, from the cache when this exact request was made before."""
        prompt = self.prompt(record)
        key = ReplyCache.key(self.url, self.model, prompt)
        cached = self.cache.get(key)
        if cached is not None:
            with self._count_lock:
                self.cache_hits += 1
            return cached
        reply = self._post(prompt)
        self.cache.put(key, reply)
        return reply

    def rewrite(self, record: dict) -> dict:
        """Ask, parse and verify; returns {"gt", "sentence", "transform", "form"} or {"reject": reason}."""
        try:
            reply = self.ask(record)
        except LLMError as exc:
            return {"reject": f"llm:{exc}"}
        return check_reply(reply, record["problem"], record["answer"], self.accept_unverified)

    def run(self, records: list[dict], context: StepContext) -> list[dict]:
        todo = [r for r in records if r.get("needs_llm")]
        pool = ThreadPoolExecutor(self.concurrency)
        try:
            outcomes = list(context.progress(pool.map(self.rewrite, todo), "llm_rewrite", total=len(todo)))
        except BaseException:  # Ctrl-C, SIGTERM: the run stops without waiting for the requests in flight
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        verified = 0
        for record, outcome in zip(todo, outcomes, strict=True):
            record.pop("needs_llm", None)
            if "reject" in outcome:
                record["reject"] = outcome["reject"]
                record["reject_detail"] = outcome.get("detail")
                continue
            verified += outcome["transform"] == "llm"
            body, restated = restate_format(record["problem"])
            if restated:
                record["format_restated"] = restated
            record["problem"] = f"{body} {outcome['sentence']}" if body else outcome["sentence"]
            record["gt"] = outcome["gt"]
            record["transform"] = outcome["transform"]
            record["form"] = outcome["form"]
        context.note(
            self.name, asked=len(todo), http_requests=self.requests, cache_hits=self.cache_hits, verified=verified
        )
        return records


def _json_object(reply: str) -> dict | None:
    if len(reply) > MAX_REPLY_CHARS:
        return None
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", reply.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,19}\s*", value):
        return int(value)
    return None


def check_reply(reply: str, problem: str, answer: str, accept_unverified: bool = False) -> dict:
    """Validate one LLM reply against the problem and its original answer."""
    data = _json_object(reply)
    if data is None:
        return {"reject": "llm:bad_json"}
    integer = _as_int(data.get("integer_answer"))
    if integer is None or not INT64_MIN <= integer <= INT64_MAX:
        return {"reject": "llm:not_an_integer"}
    letters = data.get("letters")
    form = data.get("answer_format")
    if not isinstance(letters, dict) or not letters or not isinstance(form, str) or not form.strip():
        return {"reject": "llm:missing_fields"}
    form = form.strip().strip("$").strip()
    values = {}
    for name, value in letters.items():
        number = _as_int(value)
        if not (isinstance(name, str) and re.fullmatch(r"[a-zA-Z]", name)) or number is None or abs(number) > 10**12:
            return {"reject": "llm:bad_letters"}
        values[name] = number
    if len(form) > MAX_FORMAT_CHARS or not set(values) <= form_letters(form):
        return {"reject": "llm:format_letters_mismatch"}
    if sum(values.values()) != integer:
        return {"reject": "llm:answer_not_sum_of_letters"}
    if problem_variables(problem).intersection(values):
        return {"reject": "llm:letter_clash"}
    conditions = data.get("conditions")
    if not isinstance(conditions, str) or not conditions.strip() or len(conditions) > 300 or "\n" in conditions:
        conditions = f"{', '.join(values)} are integers"
    rebuilt = substitute(form, values)
    status = _rebuild_matches(answer, rebuilt)
    if status == "mismatch":
        return {"reject": "llm:rebuild_mismatch", "detail": rebuilt}
    if status == "unverifiable" and not accept_unverified:
        return {"reject": "llm:unverifiable"}
    asked = " + ".join(values)
    sentence = (
        f"The original answer is in the form ${form}$, where {conditions.strip().rstrip('.')}. "
        f"Please provide the value of {asked}."
    )
    transform = "llm" if status == "ok" else "llm_unverified"
    return {"gt": str(integer), "sentence": sentence, "transform": transform, "form": form}


def _rebuild_matches(original: str, rebuilt: str) -> str:
    """ "ok" / "mismatch" / "unverifiable": does the format with letters substituted equal the original answer?"""
    kind = classify(original).kind
    if kind in ("text", "choice", "unparseable", "empty"):
        return "unverifiable"
    original_value, rebuilt_value = value_of(original), value_of(rebuilt)
    if original_value is not None and rebuilt_value is not None:
        return "ok" if original_value == rebuilt_value else "mismatch"
    from mathreward.verifiers import is_equivalent

    try:
        return "ok" if is_equivalent(original, rebuilt, timeout=5.0) else "mismatch"
    except Exception:  # noqa: BLE001 - a comparison failure means we cannot vouch for the rewrite
        return "mismatch"
