"""The sandbox's streaming multipart/form-data reader: the ``file`` part goes to disk.

Written here (about 100 lines) rather than taking a dependency: the sandbox needs only the one
part Metrica reads, streamed, with limits on header and field sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from callframe.metrica.sandbox._problems import ProblemError, error

__all__ = ["Part", "read_multipart"]

_MAX_FIELD_BYTES = 64 * 1024
_MAX_HEADER_BYTES = 16 * 1024


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    path: Path | None
    data: bytearray
    size: int = 0


def _not_multipart(detail: str) -> ProblemError:
    message = f"Некорректный формат multipart запроса. {detail}"
    return ProblemError(error(400, "invalid_multipart_request", message))


def _boundary(content_type: str) -> bytes:
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data":
        raise _not_multipart("The request body must be multipart/form-data.")
    for param in rest.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip().strip('"').encode("latin-1")
    raise _not_multipart("The multipart boundary is missing.")


def _too_big(limit: int) -> ProblemError:
    message = (
        f"Неверный формат данных, ошибка в строке номер 1. Файл больше {limit} байт: "
        "разделите его на несколько загрузок."
    )
    return ProblemError(error(400, "invalid_uploading", message, "file"))


def _disposition(headers: dict[str, str]) -> tuple[str | None, str | None]:
    name = filename = None
    for param in headers.get("content-disposition", "").split(";")[1:]:
        key, _, value = param.strip().partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"')
        if key.lower() == "name":
            name = value
        elif key.lower() == "filename":
            filename = value
    return name, filename


async def read_multipart(request: Request, folder: Path, max_file_bytes: int) -> list[Part]:
    """Parse ``multipart/form-data`` as it arrives; file parts go to ``folder``, not memory.

    A file part longer than ``max_file_bytes`` is refused (400 ``invalid_uploading``) as soon
    as it is; the rest of the body is left for the caller to drain.
    """
    delim = b"--" + _boundary(request.headers.get("content-type", ""))
    body_delim = b"\r\n" + delim
    keep = len(body_delim)
    buf = bytearray()
    parts: list[Part] = []
    state = "preamble"
    current: Part | None = None
    fh = None
    bad = _not_multipart("The multipart body is malformed.")
    try:
        async for chunk in request.stream():
            buf += chunk
            while True:
                if state == "preamble":
                    i = buf.find(delim)
                    if i < 0:
                        del buf[: max(len(buf) - len(delim), 0)]
                        break
                    del buf[: i + len(delim)]
                    state = "after"
                elif state == "after":
                    if len(buf) < 2:
                        break
                    if buf[:2] == b"--":
                        state = "done"
                        buf.clear()
                        break
                    if buf[:2] != b"\r\n":
                        raise bad
                    del buf[:2]
                    state = "headers"
                elif state == "headers":
                    i = buf.find(b"\r\n\r\n")
                    if i < 0:
                        if len(buf) > _MAX_HEADER_BYTES:
                            raise bad
                        break
                    lines = bytes(buf[:i]).decode("utf-8", "replace").split("\r\n")
                    del buf[: i + 4]
                    headers = {}
                    for line in lines:
                        key, _, value = line.partition(":")
                        headers[key.strip().lower()] = value.strip()
                    name, filename = _disposition(headers)
                    if name is None:
                        raise bad
                    is_file = filename is not None or name == "file"
                    path = folder / f"part{len(parts)}.bin" if is_file else None
                    current = Part(name, filename, headers.get("content-type"), path, bytearray())
                    if path is not None:
                        fh = path.open("wb")
                    state = "body"
                elif state == "body":
                    assert current is not None
                    i = buf.find(body_delim)
                    end = i if i >= 0 else max(len(buf) - keep, 0)
                    if end:
                        if fh is not None:
                            if current.size + end > max_file_bytes:
                                raise _too_big(max_file_bytes)
                            fh.write(buf[:end])
                        else:
                            current.data += buf[:end]
                            if len(current.data) > _MAX_FIELD_BYTES:
                                raise bad
                        current.size += end
                        del buf[:end]
                    if i < 0:
                        break
                    del buf[: len(body_delim)]
                    if fh is not None:
                        fh.close()
                        fh = None
                    parts.append(current)
                    current = None
                    state = "after"
                else:  # done: ignore the epilogue
                    buf.clear()
                    break
    finally:
        if fh is not None:
            fh.close()
    if state != "done":
        raise bad
    return parts


# --- state ----------------------------------------------------------------------------------------
