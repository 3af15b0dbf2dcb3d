"""The OpenAI Files and Batch APIs of the loopback OpenAI server.

Endpoints (as ``openai.AsyncOpenAI().files`` and ``.batches`` call them):

- ``POST /v1/files`` (multipart: ``file``, ``purpose``), ``GET /v1/files``,
  ``GET /v1/files/{id}``, ``GET /v1/files/{id}/content``, ``DELETE /v1/files/{id}``.
  As on OpenAI, the content of an input file (purpose ``batch``) cannot be downloaded;
  a test reads it from :attr:`OpenAIBatches.files`.
- ``POST /v1/batches`` (``input_file_id``, ``endpoint`` ``/v1/chat/completions``,
  ``completion_window`` ``24h``, ``metadata``), ``GET /v1/batches`` (newest first,
  ``after`` / ``limit``), ``GET /v1/batches/{id}`` (a poll: it moves the batch along, see
  :mod:`._batch_run_openai`), ``POST /v1/batches/{id}/cancel``.

Every request is recorded by the server like any other. How batches progress is
:attr:`OpenAIBatches.plan` (a :class:`BatchPlan`), read when a batch is created.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ._base import InvalidRequest, LoopbackServer, Route
from ._batch_run_openai import BatchPlan, BatchRun
from ._files_openai import FileStore, StoredFile, parse_form
from ._wire import dumps

__all__ = ["BatchPlan", "OpenAIBatches"]

ENDPOINTS = ("/v1/chat/completions",)
_FILES = "/v1/files/"
_BATCHES = "/v1/batches/"
_IdRoute = Callable[[web.BaseRequest, str], Awaitable[web.StreamResponse]]
"""A handler of a path naming an object: the request and the object's id."""
_LIST_LIMIT = {"batches": (20, 100), "files": (10_000, 10_000)}


class OpenAIBatches:
    """The files and batches of one loopback OpenAI server, and the routes serving them.

    ``plan`` applies to batches created after it is set. ``files`` and ``batches`` hold
    everything by id, so a test can read an uploaded input file or a batch's state.
    """

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.plan = BatchPlan()
        self.files = FileStore()
        self.batches: dict[str, BatchRun] = {}

    # ------------------------------------------------------------------ routing

    def routes(self) -> Mapping[tuple[str, str], Route]:
        return {
            ("POST", "/v1/files"): self._upload,
            ("GET", "/v1/files"): self._list_files,
            ("POST", "/v1/batches"): self._create,
            ("GET", "/v1/batches"): self._list_batches,
        }

    def dynamic_route(self, method: str, path: str) -> Route | None:
        """The handler of ``/v1/files/{id}[/content]`` and ``/v1/batches/{id}[/cancel]``."""
        handlers: dict[tuple[str, str], _IdRoute]
        if path.startswith(_FILES):
            object_id, _, rest = path.removeprefix(_FILES).partition("/")
            handlers = {
                ("GET", ""): self._file,
                ("DELETE", ""): self._delete_file,
                ("GET", "content"): self._file_content,
            }
        elif path.startswith(_BATCHES):
            object_id, _, rest = path.removeprefix(_BATCHES).partition("/")
            handlers = {("GET", ""): self._poll, ("POST", "cancel"): self._cancel}
        else:
            return None
        handler = handlers.get((method, rest))
        if handler is None or not object_id:
            return None

        async def route(request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
            return await handler(request, object_id)

        return route

    # ------------------------------------------------------------------ files

    async def _upload(self, request: web.BaseRequest, _body: dict[str, Any]) -> web.StreamResponse:
        try:
            form = parse_form(request.headers.get("content-type", ""), await request.read())
        except ValueError:
            raise InvalidRequest("The file upload must be multipart/form-data.") from None
        file = form.get("file")
        purpose = form.get("purpose")
        if file is None or purpose is None:
            missing = "file" if file is None else "purpose"
            raise InvalidRequest(f"Missing required parameter: '{missing}'.")
        stored = self.files.add(
            file.filename or "upload", purpose.value.decode("utf-8", "replace"), file.value
        )
        return self.server.json_response(stored.to_json())

    async def _file(self, _request: web.BaseRequest, file_id: str) -> web.StreamResponse:
        stored = self.files.get(file_id)
        return self._missing_file(file_id) if stored is None else self._ok(stored.to_json())

    async def _delete_file(self, _request: web.BaseRequest, file_id: str) -> web.StreamResponse:
        if not self.files.delete(file_id):
            return self._missing_file(file_id)
        return self._ok({"id": file_id, "object": "file", "deleted": True})

    async def _file_content(self, _request: web.BaseRequest, file_id: str) -> web.StreamResponse:
        stored = self.files.get(file_id)
        if stored is None:
            return self._missing_file(file_id)
        if stored.purpose == "batch":
            raise InvalidRequest("Not allowed to download files of purpose: batch")
        serial = self.server.new_serial()
        headers = {
            "Content-Type": "application/octet-stream",
            self.server.request_id_header: self.server.request_id(serial),
        }
        return web.Response(body=stored.content, headers=headers)

    async def _list_files(self, request: web.BaseRequest, _body: dict[str, Any]) -> web.Response:
        purpose = request.query.get("purpose")
        files = [f.to_json() for f in self.files.files.values() if purpose in (None, f.purpose)]
        if request.query.get("order", "desc") == "desc":
            files.reverse()
        return self._ok(_page(files, request.query, "files"))

    # ------------------------------------------------------------------ batches

    async def _create(self, _request: web.BaseRequest, body: dict[str, Any]) -> web.StreamResponse:
        input_file_id = body.get("input_file_id")
        endpoint = body.get("endpoint")
        if body.get("completion_window") != "24h":
            raise InvalidRequest("completion_window must be '24h'.")
        if endpoint not in ENDPOINTS:
            raise InvalidRequest(f"endpoint must be one of {', '.join(ENDPOINTS)}.")
        if not isinstance(input_file_id, str):
            raise InvalidRequest("Missing required parameter: 'input_file_id'.")
        stored = self.files.get(input_file_id)
        if stored is None:
            return self._missing_file(input_file_id)
        if stored.purpose != "batch":
            raise InvalidRequest(f"The input file {input_file_id} must have the purpose 'batch'.")
        metadata = body.get("metadata")
        run = BatchRun(
            self.server,
            self.plan,
            input_file_id=input_file_id,
            content=stored.content,
            endpoint=endpoint,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        self.batches[run.id] = run
        return self._ok(run.to_json())

    async def _poll(self, _request: web.BaseRequest, batch_id: str) -> web.StreamResponse:
        run = self.batches.get(batch_id)
        if run is None:
            return self._missing_batch(batch_id)
        retry = _retry_headers(run.plan.retry_after)
        if run.polls < run.plan.throttle_polls:
            run.polls += 1
            return self.server.error_response(429, headers=retry)
        run.poll()
        self._settle(run)
        return self._ok(run.to_json(), headers=retry)

    async def _cancel(self, _request: web.BaseRequest, batch_id: str) -> web.StreamResponse:
        run = self.batches.get(batch_id)
        if run is None:
            return self._missing_batch(batch_id)
        if run.is_final or run.status == "cancelling":
            message = f"Cannot cancel a batch with status '{run.status}'."
            return self.server.error_response(409, message)
        run.cancel()
        self._settle(run)
        return self._ok(run.to_json())

    async def _list_batches(self, request: web.BaseRequest, _body: dict[str, Any]) -> web.Response:
        newest_first = [run.to_json() for run in reversed(self.batches.values())]
        return self._ok(_page(newest_first, request.query, "batches"))

    def _settle(self, run: BatchRun) -> None:
        """Write a finished batch's output and error files, once."""
        if not run.is_final or run.output_file_id or run.error_file_id:
            return
        if run.output_lines:
            run.output_file_id = self._jsonl(run, "output", run.output_lines).id
        if run.error_lines:
            run.error_file_id = self._jsonl(run, "error", run.error_lines).id

    def _jsonl(self, run: BatchRun, kind: str, lines: list[dict[str, Any]]) -> StoredFile:
        content = "".join(dumps(line) + "\n" for line in lines).encode()
        return self.files.add(f"{run.id}_{kind}.jsonl", "batch_output", content)

    # ------------------------------------------------------------------ answers

    def _ok(self, payload: object, headers: Mapping[str, str] | None = None) -> web.Response:
        return self.server.json_response(payload, headers=headers)

    def _not_found(self, message: str) -> web.Response:
        error = {"message": message, "type": "invalid_request_error", "param": "id", "code": None}
        return self.server.json_response({"error": error}, status=404)

    def _missing_file(self, file_id: str) -> web.Response:
        return self._not_found(f"No such File object: {file_id}")

    def _missing_batch(self, batch_id: str) -> web.Response:
        return self._not_found(f"No such Batch object: {batch_id}")


def _retry_headers(seconds: float | None) -> dict[str, str]:
    return {} if seconds is None else {"retry-after": f"{seconds:g}"}


def _page(objects: list[dict[str, Any]], query: Mapping[str, str], kind: str) -> dict[str, Any]:
    """One page of a cursor list: the objects after ``after``, at most ``limit`` of them."""
    default, maximum = _LIST_LIMIT[kind]
    try:
        limit = int(query.get("limit", default))
    except ValueError:
        raise InvalidRequest(f"limit must be an integer, got {query.get('limit')!r}") from None
    if not 1 <= limit <= maximum:
        raise InvalidRequest(f"limit must be between 1 and {maximum}, got {limit}")
    after = query.get("after")
    if after is not None:
        ids = [item["id"] for item in objects]
        objects = objects[ids.index(after) + 1 :] if after in ids else []
    page = objects[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(objects) > limit,
    }
