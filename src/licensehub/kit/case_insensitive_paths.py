"""Match vendor paths case-insensitively, as the vendors' ASP.NET servers do.

Veeam's spec writes /v6/token and its docs /v6/Token; real clients send either. A request
whose path matches no route exactly but matches one when letter case is ignored is routed to
it, with the literal segments rewritten to the route's spelling and path parameters kept as
sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

# A route template as its segments: the literal text, or None where a parameter stands.
Template = tuple[str | None, ...]


def template_of(path: str) -> Template | None:
    segments: list[str | None] = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            if ":" in segment:  # a convertor such as {rest:path} may span segments
                return None
            segments.append(None)
        elif "{" in segment:
            return None
        else:
            segments.append(segment)
    return tuple(segments)


class CaseInsensitivePaths:
    def __init__(self, app: ASGIApp, paths: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self._paths = paths
        self._templates: dict[int, list[Template]] | None = None

    def templates(self) -> dict[int, list[Template]]:
        # Built on first use: routers are all included by then, never at import.
        if self._templates is None:
            by_length: dict[int, list[Template]] = {}
            for path in self._paths():
                if template := template_of(path):
                    by_length.setdefault(len(template), []).append(template)
            self._templates = by_length
        return self._templates

    def canonical(self, path: str) -> str | None:
        segments = path.strip("/").split("/")
        candidates: Sequence[Template] = self.templates().get(len(segments), ())
        for template in candidates:
            if all(t is None or t == s for t, s in zip(template, segments, strict=True)):
                return None  # an exact match: nothing to rewrite
        for template in candidates:
            if all(
                t is None or t.lower() == s.lower() for t, s in zip(template, segments, strict=True)
            ):
                rewritten = [s if t is None else t for t, s in zip(template, segments, strict=True)]
                return (
                    "/"
                    + "/".join(rewritten)
                    + ("/" if path.endswith("/") and len(path) > 1 else "")
                )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            rewritten = self.canonical(scope["path"])
            if rewritten is not None:
                scope = dict(scope, path=rewritten, raw_path=rewritten.encode())
        await self.app(scope, receive, send)
