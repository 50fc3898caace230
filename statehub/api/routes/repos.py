"""``GET /repos``, ``GET /repos/{name}`` and ``GET /repos/{name}/history``: each repo's
last observed state and findings, each finding explained with since when, and its history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from statehub.api.deps import StoreDep
from statehub.api.routes.progress import MAX_ID
from statehub.api.schemas import ErrorBody
from statehub.documents import RepoOut
from statehub.errors import RepoNotFound
from statehub.repoview import RepoChange, RepoView, repo_history, repo_view
from statehub.store.repos import RepoRecord, list_repos

router = APIRouter(prefix="/repos", tags=["repos"])


def _out(record: RepoRecord) -> RepoOut:
    return RepoOut.model_validate(record)


def _known_name(name: str) -> str:
    if "\x00" in name:  # no registered name can hold one, and PostgreSQL cannot compare it
        raise RepoNotFound(name)
    return name


@router.get("", response_model=list[RepoOut])
def all_repos(store: StoreDep) -> list[RepoOut]:
    """Every registered repo, by name."""
    with store.reading() as db:
        return [_out(r) for r in list_repos(db)]


@router.get("/{name}", response_model=RepoView, responses={404: {"model": ErrorBody}})
def one_repo(name: str, store: StoreDep) -> RepoView:
    """One repo: its last observed state, each finding explained (what it is about, what it
    means, the commands to go on) with since when it has held, its last fetch and changes."""
    with store.reading() as db:
        return repo_view(db, name=_known_name(name))


@router.get(
    "/{name}/history", response_model=list[RepoChange], responses={404: {"model": ErrorBody}}
)
def history(
    name: str,
    request: Request,
    response: Response,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only changes with a smaller id (paging)")
    ] = None,
) -> list[RepoChange]:
    """The repo's changes, newest first: a row each time its findings or heads changed.
    A full page carries ``Link: <…before=N>; rel="next"``, as ``/progress/`` does."""
    with store.reading() as db:
        found = repo_history(db, name=_known_name(name), limit=limit, before_id=before)
    if len(found) == limit:
        following = request.url.include_query_params(before=found[-1].id)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return found
